/**
 * Where the map outputs of each shuffle live: per shuffle, per map partition,
 * the executor, its address, the file and the per-reduce segment offsets.
 * Owned by the DAGScheduler's event loop (driver only).
 */
import type { BlockRef } from '../plan/plan.ts';
import type { MapOutput } from '../shuffle/map-output.ts';

/** A map output and the executor that serves it. */
export interface MapStatus extends MapOutput {
  executorId: string;
  address: string;
}

export class MapOutputTracker {
  private readonly outputs = new Map<number, (MapStatus | null)[]>();

  registerShuffle(shuffleId: number, numMaps: number): void {
    if (!this.outputs.has(shuffleId)) this.outputs.set(shuffleId, new Array<MapStatus | null>(numMaps).fill(null));
  }
  removeShuffle(shuffleId: number): void {
    this.outputs.delete(shuffleId);
  }
  has(shuffleId: number): boolean {
    return this.outputs.has(shuffleId);
  }
  register(shuffleId: number, mapId: number, status: MapStatus): void {
    this.outputs.get(shuffleId)![mapId] = status;
  }
  unregister(shuffleId: number, mapId: number, executorId: string | null): void {
    const arr = this.outputs.get(shuffleId);
    if (arr && arr[mapId] && (executorId === null || arr[mapId]!.executorId === executorId)) arr[mapId] = null;
  }
  removeOutputsOnExecutor(executorId: string): number {
    let n = 0;
    for (const arr of this.outputs.values()) {
      for (let i = 0; i < arr.length; i++) {
        if (arr[i]?.executorId === executorId) {
          arr[i] = null;
          n++;
        }
      }
    }
    return n;
  }
  missing(shuffleId: number): number[] {
    const arr = this.outputs.get(shuffleId);
    if (!arr) return [];
    const out: number[] = [];
    arr.forEach((s, i) => {
      if (!s) out.push(i);
    });
    return out;
  }
  isAvailable(shuffleId: number): boolean {
    const arr = this.outputs.get(shuffleId);
    return !!arr && arr.every((s) => s !== null);
  }
  /** Non-empty segments of reduce partition `reduceId`; null when some map output is missing. */
  blocksFor(shuffleId: number, reduceId: number): BlockRef[] | { missingMapId: number } {
    const arr = this.outputs.get(shuffleId);
    if (!arr) return { missingMapId: 0 };
    const out: BlockRef[] = [];
    for (let m = 0; m < arr.length; m++) {
      const s = arr[m];
      if (!s) return { missingMapId: m };
      const len = s.lengths[reduceId] ?? 0;
      if (len > 0) {
        out.push({ shuffleId, mapId: m, executorId: s.executorId, address: s.address, path: s.path, offset: s.offsets[reduceId]!, length: len, records: s.records[reduceId] ?? 0 });
      }
    }
    return out;
  }
  /** Bytes the map outputs of a shuffle hold for reduce partition `reduceId` (missing outputs count 0). */
  reduceBytes(shuffleId: number, reduceId: number): number {
    let total = 0;
    for (const s of this.outputs.get(shuffleId) ?? []) if (s) total += s.lengths[reduceId] ?? 0;
    return total;
  }
  /** Files of a shuffle, for cleanup. */
  files(shuffleId: number): MapStatus[] {
    return (this.outputs.get(shuffleId) ?? []).filter((s): s is MapStatus => s !== null);
  }
}
