import { describe, expect, it } from 'vitest';
import { type AllocatorWorker, allocateExecutors } from './executor-allocator.ts';

const w = (workerId: string, coresFree: number, memoryFreeMb = 8192, hostsApp = false): AllocatorWorker => ({ workerId, coresFree, memoryFreeMb, hostsApp });
const req = (over: Partial<Parameters<typeof allocateExecutors>[0]> = {}) => ({ coresPerExecutor: null, memoryPerExecutorMb: 1024, coresWanted: Number.POSITIVE_INFINITY, spreadOut: true, ...over });

describe('allocateExecutors', () => {
  it('gives one executor per worker with all its free cores by default', () => {
    expect(allocateExecutors(req(), [w('a', 4), w('b', 2)])).toEqual([
      { workerId: 'a', cores: 4 },
      { workerId: 'b', cores: 2 },
    ]);
  });

  it('spreads a core limit over the workers one core at a time', () => {
    expect(allocateExecutors(req({ coresWanted: 4 }), [w('a', 4), w('b', 4), w('c', 4)])).toEqual([
      { workerId: 'a', cores: 2 },
      { workerId: 'b', cores: 1 },
      { workerId: 'c', cores: 1 },
    ]);
  });

  it('fills one worker before the next without spreadOut', () => {
    expect(allocateExecutors(req({ coresWanted: 5, spreadOut: false }), [w('a', 4), w('b', 4)])).toEqual([
      { workerId: 'a', cores: 4 },
      { workerId: 'b', cores: 1 },
    ]);
  });

  it('cuts fixed-size executors and alternates them across workers', () => {
    const out = allocateExecutors(req({ coresPerExecutor: 2 }), [w('a', 4), w('b', 5)]);
    expect(out).toEqual([
      { workerId: 'b', cores: 2 },
      { workerId: 'b', cores: 2 },
      { workerId: 'a', cores: 2 },
      { workerId: 'a', cores: 2 },
    ]);
  });

  it('never gives an executor fewer cores than asked, even when the limit has leftovers', () => {
    expect(allocateExecutors(req({ coresPerExecutor: 2, coresWanted: 3 }), [w('a', 4), w('b', 4)])).toEqual([{ workerId: 'a', cores: 2 }]);
  });

  it('counts memory per executor', () => {
    expect(allocateExecutors(req({ coresPerExecutor: 1, memoryPerExecutorMb: 1000 }), [w('a', 4, 2500)])).toHaveLength(2);
    expect(allocateExecutors(req({ memoryPerExecutorMb: 4096 }), [w('a', 4, 2048), w('b', 1, 4096)])).toEqual([{ workerId: 'b', cores: 1 }]);
  });

  it('skips workers that already run the application when executors take whole workers', () => {
    expect(allocateExecutors(req(), [w('a', 4, 8192, true), w('b', 2)])).toEqual([{ workerId: 'b', cores: 2 }]);
    expect(allocateExecutors(req({ coresPerExecutor: 1, coresWanted: 1 }), [w('a', 4, 8192, true)])).toEqual([{ workerId: 'a', cores: 1 }]);
  });

  it('allocates nothing when nothing fits', () => {
    expect(allocateExecutors(req(), [])).toEqual([]);
    expect(allocateExecutors(req({ coresPerExecutor: 3 }), [w('a', 2), w('b', 2)])).toEqual([]);
    expect(allocateExecutors(req({ coresWanted: 0 }), [w('a', 2)])).toEqual([]);
  });
});
