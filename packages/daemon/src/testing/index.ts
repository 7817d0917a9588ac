/** @flint/daemon/testing — helpers for the stores' contract suites (needs vitest). */
export { storesClosedAfterEach } from './store-harness.ts';
