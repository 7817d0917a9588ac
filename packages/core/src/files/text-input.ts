/**
 * Text input: resolves a path, directory, glob or comma-separated list to files,
 * cuts them into byte-range splits, and reads the lines of a split. A line
 * belongs to the split that holds the newline before it (the first line to the
 * split at offset 0), so every line is read by exactly one split. Gzip files
 * are read whole as one split. Lines end at \n, \r\n or a lone \r, as in Hadoop's
 * LineReader; a UTF-8 byte-order mark at the start of a file is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { globSync } from 'tinyglobby';
import { FlintError, FlintErrorCode } from '../errors.ts';
import { batched, type Batched } from '../util/push.ts';

const NL = 10;
/**
 * Bytes read per step; a step's lines are one batch. Small on purpose: a batch's lines are alive
 * until its last record is consumed, and every young-generation GC in between copies them
 * (group-by over 10M lines on local[2]: 1.27 s with 1 MiB steps, 1.10 s with 256 KiB, 1.04 s
 * with 64 KiB).
 */
const CHUNK = 64 << 10;

function isHidden(p: string): boolean {
  const b = path.basename(p);
  return b.startsWith('.') || b.startsWith('_');
}

/** Splits a comma-separated list of paths; commas inside glob braces (`*.{txt,log}`) do not separate. */
export function splitPathList(spec: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of spec) {
    if (ch === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/**
 * The local path a user gave as a path or a `file:` URL (`file:///abs`, `file://localhost/abs`,
 * Hadoop's `file:/abs`), resolved against the working directory. Other schemes are an error:
 * Flint reads and writes local files only. `method` names the caller in errors.
 */
export function localPath(spec: string, method: string): string {
  let p = spec;
  if (/^file:/i.test(p)) {
    p = p.slice(5);
    if (p.startsWith('//')) {
      const slash = p.indexOf('/', 2);
      const host = slash < 0 ? p.slice(2) : p.slice(2, slash);
      if (host !== '' && host.toLowerCase() !== 'localhost') {
        throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `${method}: ${spec} names host "${host}"; file: URLs must be local (file:///path)`);
      }
      p = slash < 0 ? '/' : p.slice(slash);
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(p)) {
    throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `${method}: ${spec} is not a local path; Flint reads and writes local files (a path or a file:/// URL)`);
  }
  return path.resolve(p);
}

/** The visible files directly inside a directory, sorted. */
function filesOfDirectory(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && !isHidden(d.name))
    .map((d) => path.resolve(dir, d.name))
    .sort();
}

/**
 * Lists the input files of `spec`, sorted; a missing input is a FILE_NOT_FOUND error. A directory,
 * named or matched by a glob, stands for the files directly inside it (as Hadoop's globs do).
 */
export function listInputFiles(spec: string, method = 'textFile'): string[] {
  const out: string[] = [];
  for (const part of splitPathList(spec)) {
    const p = localPath(part, method);
    if (/[*?[\]{}]/.test(p)) {
      const matches = globSync(p, { absolute: true, onlyFiles: false, dot: false })
        .map((f) => path.resolve(f))
        .filter((f) => !isHidden(f))
        .sort();
      if (matches.length === 0) throw new FlintError(FlintErrorCode.FILE_NOT_FOUND, `input path ${p} matches no files or directories`);
      for (const m of matches) {
        if (fs.statSync(m).isDirectory()) out.push(...filesOfDirectory(m));
        else out.push(m);
      }
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new FlintError(FlintErrorCode.FILE_NOT_FOUND, `input path ${p} does not exist`);
    }
    if (st.isDirectory()) out.push(...filesOfDirectory(p));
    else out.push(p);
  }
  return out;
}

export interface TextSplit {
  path: string;
  start: number;
  end: number;
  gzip: boolean;
}

/** Hadoop-style splits: goal size total/minPartitions, capped by a block size (32 MiB by default). */
export function computeTextSplits(files: string[], minPartitions: number, blockSize = 32 << 20, parallelism = 1): TextSplit[] {
  const sizes = files.map((f) => fs.statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const goal = Math.max(1, Math.floor(total / Math.max(1, minPartitions)));
  // A file is cut while more than 1.1 splits of it remain (Hadoop's slop); gzip and empty files stay whole.
  const cut = (splitSize: number): TextSplit[] => {
    const splits: TextSplit[] = [];
    files.forEach((f, i) => {
      const size = sizes[i]!;
      if (f.endsWith('.gz')) {
        splits.push({ path: f, start: 0, end: size, gzip: true });
        return;
      }
      if (size === 0) {
        splits.push({ path: f, start: 0, end: 0, gzip: false });
        return;
      }
      let start = 0;
      while (size - start > splitSize * 1.1) {
        splits.push({ path: f, start, end: start + splitSize, gzip: false });
        start += splitSize;
      }
      splits.push({ path: f, start, end: size, gzip: false });
    });
    return splits;
  };
  const splitSize = Math.max(1, Math.min(goal, blockSize));
  const splits = cut(splitSize);
  if (parallelism > 1 && total > splitSize && splits.length % parallelism !== 0) {
    // Round the split count up to a multiple of the slots, so the last wave of tasks keeps every
    // slot busy — only when a smaller split size really gives such a count (files cut unevenly
    // would add small tail splits instead).
    const target = Math.ceil(splits.length / parallelism) * parallelism;
    const smaller = cut(Math.max(1, Math.ceil(total / target)));
    if (smaller.length === target) return smaller;
  }
  return splits;
}

const CR = 13;
/** U+FEFF, what a UTF-8 byte-order mark decodes to. */
const BOM = '\uFEFF';
/** Line terminators as Hadoop's LineReader knows them: \r\n, \n, or a lone \r. */
const TERMINATOR = /\r\n|\r|\n/;

/** The lines of decoded text whose every line is terminated (the empty string after the last terminator dropped). */
function terminatedLines(text: string, hasCR: boolean): string[] {
  const lines = hasCR ? text.split(TERMINATOR) : text.split('\n');
  lines.pop();
  return lines;
}

/** The lines of a whole buffer (gzip files); a byte-order mark at its start is not part of the first line. */
function linesOfBuffer(buf: Buffer): string[] {
  const text = buf.toString('utf8');
  if (text.length === 0) return [];
  const end = text.charCodeAt(text.length - 1);
  const lines = terminatedLines(end === NL || end === CR ? text : text + '\n', text.includes('\r'));
  if (lines[0]!.startsWith(BOM)) lines[0] = lines[0]!.slice(1);
  return lines;
}

/**
 * Index of the last byte of `data` that ends a line terminator, or -1. A \r as the last byte is
 * not one unless the file ends there: the next read may start with its \n.
 */
function lastTerminator(data: Buffer, atEof: boolean): number {
  let t = Math.max(data.lastIndexOf(NL), data.lastIndexOf(CR));
  if (t === data.length - 1 && t >= 0 && data[t] === CR && !atEof) {
    t = t === 0 ? -1 : Math.max(data.lastIndexOf(NL, t - 1), data.lastIndexOf(CR, t - 1));
  }
  return t;
}

/** Index of the next byte at or after `from` that ends a terminator (the \n of \r\n), or -1; `data` must not end in an undecided \r. */
function nextTerminator(data: Buffer, from: number, to: number): number {
  const n = data.indexOf(NL, from);
  const r = data.indexOf(CR, from);
  if (r < 0 || r >= to) return n >= to ? -1 : n;
  if (n >= 0 && n < r) return n;
  return r + 1 < data.length && data[r + 1] === NL ? r + 1 : r;
}

/**
 * File offset just past the first terminator that ends at or after `from`: the first line start
 * strictly after `from`, or -1 when there is none.
 */
function firstLineStartAfter(fd: number, from: number, fileSize: number, buf: Buffer): number {
  let pos = from;
  while (pos < fileSize) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, fileSize - pos), pos);
    if (n === 0) return -1;
    const data = buf.subarray(0, n);
    const nl = data.indexOf(NL);
    const cr = data.indexOf(CR);
    if (nl >= 0 && (cr < 0 || nl < cr)) return pos + nl + 1;
    if (cr >= 0) {
      if (cr + 1 < n) return pos + cr + (data[cr + 1] === NL ? 2 : 1);
      if (pos + n >= fileSize) return pos + n;
      const one = Buffer.alloc(1);
      fs.readSync(fd, one, 0, 1, pos + n);
      return pos + n + (one[0] === NL ? 1 : 0);
    }
    pos += n;
  }
  return -1;
}

/** The lines of one split, pull or push; `onBytes` reports bytes consumed. */
export function readLines(split: TextSplit, onBytes?: (n: number) => void): Batched<string> {
  return batched(() => readLineBatches(split, onBytes));
}

/** Reads a gzip file whole; a file that does not decompress is an error naming it. */
function gunzipFile(file: string, onBytes?: (n: number) => void): Buffer {
  const raw = fs.readFileSync(file);
  onBytes?.(raw.length);
  return gunzipBytes(raw, file);
}

/** The decompressed bytes of gzip file `file`, read as `raw`; corrupt data is an error naming the file. */
export function gunzipBytes(raw: Buffer, file: string): Buffer {
  try {
    return zlib.gunzipSync(raw);
  } catch (e) {
    throw new FlintError(FlintErrorCode.INVALID_ARGUMENT, `cannot decompress ${file}: ${(e as Error).message} (the file is not valid gzip or is truncated)`, { cause: e });
  }
}

/**
 * The lines of one split in batches (one per chunk read). Line ends are found in the bytes, never
 * in decoded text: an invalid UTF-8 sequence decodes to U+FFFD, whose length says nothing of the
 * bytes it replaced. Terminators are \n, \r\n and a lone \r; a UTF-8 byte-order mark at the start
 * of a file is dropped.
 */
export function* readLineBatches(split: TextSplit, onBytes?: (n: number) => void): Generator<string[]> {
  if (split.gzip) {
    yield linesOfBuffer(gunzipFile(split.path, onBytes));
    return;
  }
  const { start, end } = split;
  if (end <= start) return;
  const fd = fs.openSync(split.path, 'r');
  try {
    const fileSize = fs.fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(CHUNK);
    // The first line of the split: the file's first, or the first to start after `start` (the
    // line that starts exactly at `start` belongs to the split before, which reads up to and
    // including the line that starts at its end).
    let lineStart = start;
    if (start > 0) {
      lineStart = firstLineStartAfter(fd, start, fileSize, buf);
      if (lineStart < 0 || lineStart > end || lineStart >= fileSize) return;
    }
    let stripBom = start === 0;
    const firstLine = (lines: string[]): string[] => {
      if (stripBom && lines.length > 0) {
        stripBom = false;
        if (lines[0]!.startsWith(BOM)) lines[0] = lines[0]!.slice(1);
      }
      return lines;
    };
    let carry: Buffer | null = null;
    let pos = lineStart;
    let nextLineStart = lineStart;
    while (nextLineStart <= end && nextLineStart < fileSize) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, fileSize - pos), pos);
      if (n === 0) break;
      onBytes?.(n);
      let data: Buffer = buf.subarray(0, n);
      let dataStart = pos; // file offset of data[0]
      if (carry) {
        data = Buffer.concat([carry, data]);
        dataStart -= carry.length;
        carry = null;
      }
      pos += n;
      const atEof = pos >= fileSize;
      const last = lastTerminator(data, atEof);
      if (last < 0) {
        if (atEof) {
          yield firstLine([data.toString('utf8')]);
          return;
        }
        carry = Buffer.from(data);
        if (carry.length >= buf.length) buf = Buffer.allocUnsafe(buf.length * 2);
        continue;
      }
      const firstCR = data.indexOf(CR);
      const hasCR = firstCR >= 0 && firstCR <= last;
      if (dataStart + last <= end) {
        // Every line of this chunk starts at or before `end`: no offset bookkeeping needed.
        // (\n and \r are ASCII, so they decode to themselves and never inside a U+FFFD.)
        yield firstLine(terminatedLines(data.toString('utf8', 0, last + 1), hasCR));
      } else {
        // Lines start past `end` in this chunk: walk the bytes to the first of them.
        const out: string[] = [];
        let from = 0;
        while (from <= last && dataStart + from <= end) {
          const t = nextTerminator(data, from, last + 1);
          const lineEnd = data[t] === NL && t > from && data[t - 1] === CR ? t - 1 : t;
          out.push(data.toString('utf8', from, lineEnd));
          from = t + 1;
        }
        if (out.length > 0) yield firstLine(out);
        return;
      }
      nextLineStart = dataStart + last + 1;
      if (last + 1 < data.length) {
        carry = Buffer.from(data.subarray(last + 1));
        if (carry.length >= buf.length) buf = Buffer.allocUnsafe(buf.length * 2);
      }
      if (atEof && carry) {
        if (nextLineStart <= end) yield firstLine([carry.toString('utf8')]);
        return;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
