/**
 * Entry of the worker daemon: `tsx src/main.ts flint://HOST:PORT [options]` (the same as `flint worker`).
 * The daemon itself (options, environment, wiring, the executor entry) is @flint/cluster-worker.
 */
import '@flint/cluster-worker/main';
