/**
 * The driver's index of cached blocks: which executor (and thread slot, for
 * memory blocks) holds each partition of each persisted RDD. Feeds locality
 * preferences. Driver only, owned by the scheduler's event loop.
 */
import type { TaskLocation } from './lineage.ts';
import type { BlockUpdate } from '../storage/block-store.ts';

export class BlockManagerMaster {
  private readonly locs = new Map<number, Map<number, TaskLocation[]>>();

  update(executorId: string, slot: number, u: BlockUpdate): void {
    let m = this.locs.get(u.rddId);
    if (!m) this.locs.set(u.rddId, (m = new Map()));
    const list = (m.get(u.partition) ?? []).filter((l) => l.executorId !== executorId || l.slot !== slot);
    list.push({ executorId, slot: u.memSize > 0 ? slot : null });
    m.set(u.partition, list);
  }
  locations(rddId: number, partition: number): TaskLocation[] {
    return this.locs.get(rddId)?.get(partition) ?? [];
  }
  removeRdd(rddId: number): void {
    this.locs.delete(rddId);
  }
  removeExecutor(executorId: string): void {
    for (const m of this.locs.values()) for (const [p, l] of m) m.set(p, l.filter((x) => x.executorId !== executorId));
  }
  /** Memory blocks on a thread that was replaced are gone. */
  removeSlot(executorId: string, slot: number): void {
    for (const m of this.locs.values()) for (const [p, l] of m) m.set(p, l.filter((x) => !(x.executorId === executorId && x.slot === slot)));
  }
}
