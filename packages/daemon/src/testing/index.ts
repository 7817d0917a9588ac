/** @flint/daemon/testing — helpers for the stores' contract suites (needs vitest). */
export { closesIdempotently, keepsEverythingAcrossReopen, storesClosedAfterEach } from './store-harness.ts';
