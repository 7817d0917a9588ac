/**
 * Shared variables: broadcasts (a read-only value shipped once per executor
 * thread, not per task) and accumulators (add-only on executors, read on the
 * driver; updates from successful tasks are merged once per task, as Spark does
 * for actions). Driver-side objects; in a closure's env they ship as markers.
 */
import { serializeFn } from './closure/closure.ts';
import { accumulatorTypeError, SHIP, type AddableKind, type Shippable, type ShipMarker, type FnSpec } from './closure/ship.ts';
import { FlintError, FlintErrorCode } from './errors.ts';

export class Broadcast<T> implements Shippable {
  private destroyed = false;
  constructor(readonly id: number, private readonly v: T, private readonly onRemove: (id: number) => void) {}
  /** The value (on the driver, and inside closures on executors). */
  get value(): T {
    if (this.destroyed) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `broadcast ${this.id} was destroyed`);
    return this.v;
  }
  /** Drops executors' copies; the value ships again if used later. */
  unpersist(): void {
    this.onRemove(this.id);
  }
  destroy(): void {
    this.destroyed = true;
    this.onRemove(this.id);
  }
  [SHIP](): ShipMarker {
    if (this.destroyed) throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `broadcast ${this.id} was destroyed and cannot be used in a closure`);
    return { $flint: 'broadcast', id: this.id };
  }
}

export class Accumulator<T = number> implements Shippable {
  private v: T;
  private readonly mergeSpec: FnSpec | null;
  /** What a merge-less accumulator adds (its initial value's type); null with a merge function. */
  private readonly kind: AddableKind | null;
  constructor(readonly id: number, initial: T, private readonly merge: ((a: T, b: T) => T) | null) {
    if (!merge && typeof initial !== 'number' && typeof initial !== 'bigint') throw accumulatorTypeError(id, null, initial);
    this.v = initial;
    this.kind = merge ? null : (typeof initial as AddableKind);
    this.mergeSpec = merge ? serializeFn(merge as never, undefined, 'accumulator') : null;
  }
  /** The merged value of all successful tasks' updates (driver only). */
  get value(): T {
    return this.v;
  }
  set value(v: T) {
    this.v = v;
  }
  add(x: T): void {
    if (this.kind && typeof x !== this.kind) throw accumulatorTypeError(this.id, this.kind, x);
    this.v = this.merge ? this.merge(this.v, x) : ((this.v as unknown as number) + (x as unknown as number)) as unknown as T;
  }
  /** @internal */
  _merge(update: unknown): void {
    this.add(update as T);
  }
  [SHIP](): ShipMarker {
    return { $flint: 'accumulator', id: this.id, merge: this.mergeSpec, kind: this.kind };
  }
}
