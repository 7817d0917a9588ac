import { InMemoryWorkerStore } from './in-memory-worker-store.ts';
import { workerStoreContract } from './worker-store-contract.ts';

workerStoreContract('InMemoryWorkerStore', { create: async () => new InMemoryWorkerStore() });
