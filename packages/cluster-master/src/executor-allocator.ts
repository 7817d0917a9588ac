/**
 * Decides which executors to start for one application on the workers' free
 * resources, the way Spark's standalone master does.
 *
 * - `coresPerExecutor: null` means one executor per worker holding every core
 *   the application gets there (workers that already run one of its
 *   executors are skipped); otherwise executors of exactly that many cores,
 *   several per worker if they fit.
 * - Every new executor needs `memoryPerExecutorMb` on its worker.
 * - `spreadOut` hands out one unit (the executor's cores, or one core) per
 *   worker per round, so the application lands on as many workers as it can;
 *   without it, each worker is filled before the next.
 * - Never more than `coresWanted` cores in all.
 *
 * Pure and deterministic: workers with more free cores come first, then by id.
 */
export interface AllocatorWorker {
  workerId: string;
  coresFree: number;
  memoryFreeMb: number;
  /** The application already runs an executor here. */
  hostsApp: boolean;
}

export interface AllocationRequest {
  coresPerExecutor: number | null;
  memoryPerExecutorMb: number;
  /** Cores the application may still be given (Infinity when unbounded). */
  coresWanted: number;
  spreadOut: boolean;
}

export interface ExecutorAllocation {
  workerId: string;
  cores: number;
}

export function allocateExecutors(req: AllocationRequest, workers: readonly AllocatorWorker[]): ExecutorAllocation[] {
  const oneExecutorPerWorker = req.coresPerExecutor === null;
  const unit = req.coresPerExecutor ?? 1;
  const mem = req.memoryPerExecutorMb;
  const usable = workers
    .filter((w) => w.coresFree >= unit && w.memoryFreeMb >= mem && !(oneExecutorPerWorker && w.hostsApp))
    .sort((a, b) => b.coresFree - a.coresFree || (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
  if (usable.length === 0) return [];
  let coresToAssign = Math.min(req.coresWanted, usable.reduce((s, w) => s + w.coresFree, 0));
  const assignedCores = new Array<number>(usable.length).fill(0);
  const assignedExecutors = new Array<number>(usable.length).fill(0);

  const canLaunch = (i: number): boolean => {
    const w = usable[i]!;
    if (coresToAssign < unit) return false;
    if (w.coresFree - assignedCores[i]! < unit) return false;
    const newExecutor = !oneExecutorPerWorker || assignedExecutors[i] === 0;
    return !newExecutor || w.memoryFreeMb - assignedExecutors[i]! * mem >= mem;
  };

  let free = usable.map((_, i) => i).filter(canLaunch);
  while (free.length > 0) {
    for (const i of free) {
      let keep = true;
      while (keep && canLaunch(i)) {
        coresToAssign -= unit;
        assignedCores[i]! += unit;
        assignedExecutors[i] = oneExecutorPerWorker ? 1 : assignedExecutors[i]! + 1;
        if (req.spreadOut) keep = false;
      }
    }
    free = free.filter(canLaunch);
  }

  const out: ExecutorAllocation[] = [];
  usable.forEach((w, i) => {
    if (assignedCores[i] === 0) return;
    if (oneExecutorPerWorker) out.push({ workerId: w.workerId, cores: assignedCores[i]! });
    else for (let k = 0; k < assignedExecutors[i]!; k++) out.push({ workerId: w.workerId, cores: unit });
  });
  return out;
}
