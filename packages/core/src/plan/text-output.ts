/**
 * The text output of saveAsTextFile on the executor: a partition's records as lines, written into
 * this task attempt's own file in the output's staging area (the OutputCommitter moves the
 * winning attempt's file in). A string is written as itself, anything else as JSON-like text
 * that loses nothing silently. Runs on the task's thread.
 */
import fs from 'node:fs';
import { openAttemptFile } from '../files/output-committer.ts';
import type { TaskContext } from './task-context.ts';

/** A record as a line of text: a string as itself, anything else as JSON-like text (see textOf). */
function formatLine(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (x === undefined) return 'undefined';
  return textOf(x, 0);
}

/**
 * JSON text of a nested value, extended so nothing is lost silently: a Map is written as its
 * entries `[[k, v], ...]` and a Set as its values (JSON.stringify wrote both as `{}`), binary arrays
 * as their elements, bigints as their digits, -0 as -0, NaN and Infinity by name. A function, a
 * symbol or a Promise cannot be written as text and fails the save, naming it.
 */
function textOf(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'undefined':
      return 'null';
    case 'object':
      break;
    default:
      throw new TypeError(`saveAsTextFile: cannot write a ${typeof v} as text; map records to strings or data first`);
  }
  if (v === null) return 'null';
  if (depth > 1000) throw new TypeError('saveAsTextFile: a record nests deeper than 1000 levels (is it cyclic?)');
  const d = depth + 1;
  if (Array.isArray(v)) return `[${v.map((e) => textOf(e, d)).join(',')}]`;
  if (v instanceof Map) return `[${Array.from(v, ([k, e]) => `[${textOf(k, d)},${textOf(e, d)}]`).join(',')}]`;
  if (v instanceof Set) return `[${Array.from(v, (e) => textOf(e, d)).join(',')}]`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return `[${Array.from(v as unknown as ArrayLike<number | bigint>, (e) => textOf(e, d)).join(',')}]`;
  if (v instanceof Promise) throw new TypeError('saveAsTextFile: cannot write a Promise as text; compute the value synchronously');
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return JSON.stringify(v);
  const parts: string[] = [];
  for (const k of Object.keys(v)) {
    const e = (v as Record<string, unknown>)[k];
    if (e === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${textOf(e, d)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Writes the partition into this attempt's own file in the staging area; returns that file's path there (see OutputCommitter). */
export function writeTextPartition(input: Iterable<unknown>, staging: string, partition: number, ctx: TaskContext): string {
  const { fd, file: tmp, relative } = openAttemptFile(staging, partition, ctx.taskId);
  let records = 0;
  let bytes = 0;
  try {
    let chunk: string[] = [];
    let len = 0;
    const flush = (): void => {
      if (chunk.length === 0) return;
      const buf = Buffer.from(chunk.join(''), 'utf8');
      fs.writeSync(fd, buf);
      bytes += buf.length;
      chunk = [];
      len = 0;
    };
    for (const x of input) {
      const line = formatLine(x) + '\n';
      chunk.push(line);
      len += line.length;
      records++;
      if (len > 1 << 20) flush();
    }
    flush();
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  ctx.metrics.outputRecords += records;
  ctx.metrics.outputBytes += bytes;
  return relative;
}
