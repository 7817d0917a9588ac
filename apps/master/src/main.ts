/**
 * Entry of the master daemon: `tsx src/main.ts [options]` (the same as `flint master`).
 * The daemon itself (options, environment, wiring) is @flint/cluster-master.
 */
import '@flint/cluster-master/main';
