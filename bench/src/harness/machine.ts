import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';

/** What the numbers were measured on, stored with every result file. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly availableParallelism: number;
  readonly memoryBytes: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverageAtStart: number[];
  readonly gitCommit?: string;
}

export function describeMachine(repoDir: string): MachineInfo {
  let gitCommit: string | undefined;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
  } catch {
    gitCommit = undefined;
  }
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cpus: c.length,
    availableParallelism: availableParallelism(),
    memoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg(),
    gitCommit,
  };
}
