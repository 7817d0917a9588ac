import { fileURLToPath } from 'node:url';
const root = fileURLToPath(new URL('.', import.meta.url));
/** Shared vitest settings: every @flint package resolves to its TypeScript source. */
export const flintAliases = {
  '@flint/core/testing': `${root}packages/core/src/testing/index.ts`,
  '@flint/core/backend-contract': `${root}packages/core/src/testing/backend-contract.ts`,
  '@flint/core/internal': `${root}packages/core/src/internal.ts`,
  '@flint/core/transport-conformance': `${root}packages/core/src/transport/conformance.ts`,
  '@flint/core/transport': `${root}packages/core/src/transport/index.ts`,
  '@flint/core/protocol': `${root}packages/core/src/protocol/index.ts`,
  '@flint/core': `${root}packages/core/src/index.ts`,
  '@flint/scheduler': `${root}packages/scheduler/src/index.ts`,
  '@flint/telemetry/register': `${root}packages/telemetry/src/register.ts`,
  '@flint/telemetry': `${root}packages/telemetry/src/index.ts`,
  '@flint/transport-tcp': `${root}packages/transport-tcp/src/index.ts`,
  '@flint/transport-http': `${root}packages/transport-http/src/index.ts`,
  '@flint/event-store': `${root}packages/event-store/src/index.ts`,
  '@flint/daemon/testing': `${root}packages/daemon/src/testing/index.ts`,
  '@flint/daemon/sqlite': `${root}packages/daemon/src/sqlite/index.ts`,
  '@flint/daemon': `${root}packages/daemon/src/index.ts`,
  '@flint/cluster-master/main': `${root}packages/cluster-master/src/main.ts`,
  '@flint/cluster-master': `${root}packages/cluster-master/src/index.ts`,
  '@flint/cluster-worker/main': `${root}packages/cluster-worker/src/main.ts`,
  '@flint/cluster-worker': `${root}packages/cluster-worker/src/index.ts`,
  '@flint/cluster': `${root}packages/cluster/src/index.ts`,
  '@flint/api': `${root}packages/api/src/index.ts`,
};
