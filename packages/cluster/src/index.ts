/**
 * @flint/cluster — a standalone cluster on this machine: `LocalCluster` (a
 * master and W workers as real child processes, used by the `local-cluster`
 * backend, the CLI and the integration tests) and the `flint` command line.
 * The daemons themselves are @flint/cluster-master and @flint/cluster-worker.
 */
export { LocalCluster, type LocalClusterOptions, type DaemonInfo } from './local-cluster.ts';
export { buildCli } from './cli.ts';
