/**
 * Estimates the in-memory size of records by serializing a sample of them; the
 * estimate drives spilling. Serialized size is scaled by a factor for V8's
 * object overhead. Single-threaded.
 */
import { serializedSize } from '../serializer.ts';

const HEAP_FACTOR = 3;

export class SizeEstimator {
  private sampled = 0;
  private sampledBytes = 0;
  private seen = 0;
  private nextSample = 1;

  /** Records a record; occasionally samples its size. */
  observe(record: unknown): void {
    this.seen++;
    if (this.seen >= this.nextSample) {
      this.sampledBytes += serializedSize(record);
      this.sampled++;
      this.nextSample = this.seen + Math.min(1 + (this.sampled >> 2), 1000);
    }
  }
  /** Average estimated heap bytes per record. */
  get bytesPerRecord(): number {
    return this.sampled === 0 ? 64 : (this.sampledBytes / this.sampled) * HEAP_FACTOR + 16;
  }
}
