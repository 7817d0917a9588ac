import fs from 'node:fs';

/**
 * Kills (SIGKILL) process `pid` if it is still the executor `appId/executorId`
 * — checked through its environment in /proc, so a reused pid is left alone.
 * Returns whether it killed something. Where /proc is unreadable nothing is
 * killed.
 */
export function reapOrphanExecutor(pid: number, appId: string, executorId: string): boolean {
  let environ: string;
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return false;
  }
  const vars = new Set(environ.split('\0'));
  if (!vars.has(`FLINT_APP_ID=${appId}`) || !vars.has(`FLINT_EXECUTOR_ID=${executorId}`)) return false;
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
