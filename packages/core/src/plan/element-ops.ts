/**
 * The element-wise operations of a fused narrow chain (map, filter, flatMap, ...): the chain runs
 * as one function per input record, with no intermediate arrays between operations. A batched
 * source stays batched, a push consumer gets records pushed through the chain, and a pull
 * consumer gets a generator. Runs on the task's thread.
 */
import { notAPair } from '../shuffle/pairs.ts';
import { batched, batchesOf, isBatched, pushAll, type PushIterable } from '../util/push.ts';
import { unknownPlanKind, type ElementOp } from './plan.ts';
import type { TaskContext } from './task-context.ts';

type AnyFn = (...a: unknown[]) => unknown;

/** The records of `input` through the chain `ops`. */
export function applyOps(input: Iterable<unknown>, ops: ElementOp[], ctx: TaskContext): PushIterable<unknown> {
  const pushTo = (sink: (x: unknown) => void): void => pushAll(input, fuse(ops, sink, ctx));
  if (isBatched(input)) {
    // A batched source stays batched: each input batch goes through the fused chain into an output batch.
    const out = batched(function* () {
      let buf: unknown[] = [];
      const head = fuse(ops, (x) => buf.push(x), ctx);
      for (const b of batchesOf(input)) {
        for (let i = 0; i < b.length; i++) head(b[i]);
        if (buf.length > 0) {
          yield buf;
          buf = [];
        }
      }
    });
    out.pushTo = pushTo;
    return out;
  }
  return { [Symbol.iterator]: () => applyOpsPull(input, ops, ctx), pushTo };
}

function* applyOpsPull(input: Iterable<unknown>, ops: ElementOp[], ctx: TaskContext): Generator<unknown> {
  if (ops.length === 1) {
    const op = ops[0]!;
    switch (op.t) {
      case 'map': {
        const f = ctx.compile<AnyFn>(op.f);
        for (const x of input) yield f(x);
        return;
      }
      case 'filter': {
        const f = ctx.compile<AnyFn>(op.f);
        for (const x of input) if (f(x)) yield x;
        return;
      }
      case 'flatMap': {
        const f = ctx.compile<AnyFn>(op.f);
        for (const x of input) yield* iterableResult(f(x), op.f.method);
        return;
      }
      // The other kinds take the general path below.
    }
  }
  // General case: compose a push chain, drain its output buffer per input record.
  const out: unknown[] = [];
  const head = fuse(ops, (x) => out.push(x), ctx);
  for (const x of input) {
    head(x);
    if (out.length > 0) {
      for (let i = 0; i < out.length; i++) yield out[i];
      out.length = 0;
    }
  }
}

/** `r`, the result of a function given to flatMap or flatMapValues, when it is iterable; else a TypeError naming the method. */
function iterableResult(r: unknown, method: string): Iterable<unknown> {
  if (r !== null && r !== undefined && typeof (r as Iterable<unknown>)[Symbol.iterator] === 'function') return r as Iterable<unknown>;
  throw new TypeError(`${method}(): the function must return an iterable (an array, a string or a generator), got ${r === null ? 'null' : typeof r}`);
}

/** The fused chain of `ops` in front of `sink`: one function that takes an input record. */
function fuse(ops: ElementOp[], sink: (x: unknown) => void, ctx: TaskContext): (x: unknown) => void {
  let head = sink;
  for (let i = ops.length - 1; i >= 0; i--) head = stage(ops[i]!, head, ctx);
  return head;
}

function stage(op: ElementOp, next: (x: unknown) => void, ctx: TaskContext): (x: unknown) => void {
  switch (op.t) {
    case 'map': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => next(f(x));
    }
    case 'filter': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        if (f(x)) next(x);
      };
    }
    case 'flatMap': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        const r = f(x);
        if (Array.isArray(r)) for (let i = 0; i < r.length; i++) next(r[i]);
        else for (const y of iterableResult(r, op.f.method)) next(y);
      };
    }
    // A record that is not a pair is refused: [k, v, x] would lose x, and 7 become [undefined, f(undefined)].
    case 'mapValues': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        const kv = x as [unknown, unknown];
        if (!Array.isArray(kv) || kv.length !== 2) notAPair(x, { method: 'mapValues', partition: ctx.partitionId });
        next([kv[0], f(kv[1])]);
      };
    }
    case 'flatMapValues': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => {
        const kv = x as [unknown, unknown];
        if (!Array.isArray(kv) || kv.length !== 2) notAPair(x, { method: 'flatMapValues', partition: ctx.partitionId });
        for (const v of iterableResult(f(kv[1]), op.f.method)) next([kv[0], v]);
      };
    }
    case 'keyBy': {
      const f = ctx.compile<AnyFn>(op.f);
      return (x) => next([f(x), x]);
    }
    case 'keys':
      return (x) => next((x as unknown[])[0]);
    case 'values':
      return (x) => next((x as unknown[])[1]);
    case 'pairWith': {
      const v = op.value;
      return (x) => next([x, v]);
    }
    default:
      return unknownPlanKind('element op', op);
  }
}
