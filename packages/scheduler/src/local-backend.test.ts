/**
 * The `local[N]` backend passes the SchedulerBackend contract (the same suite
 * the standalone backend passes in test/src/standalone-backend-contract.test.ts).
 */
import { schedulerBackendContractSuite } from '@flint/core/backend-contract';
import { LocalBackend } from './local-backend.ts';

schedulerBackendContractSuite('local[2]', { makeBackend: () => new LocalBackend(2) });
