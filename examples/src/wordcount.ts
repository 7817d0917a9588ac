/**
 * Word count: the most frequent words of a text corpus.
 *
 *   pnpm --filter @flint/examples exec tsx src/wordcount.ts [--master local[2]] [--input DIR|GLOB] [--size small|demo] [--top 10]
 *
 * Words are maximal runs of letters, compared case-insensitively.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FlintContext, RDD } from '@flint/core';
import { commonOptions, createContext, formatCount, formatMs, generatedInput, runMain, table, timed } from './common.ts';
import { cliArgs, intFlag } from './cli.ts';

/** (word, count) for every distinct word of the files at `input`. */
export function wordCounts(sc: FlintContext, input: string, minPartitions?: number): RDD<[string, number]> {
  return sc
    .textFile(input, minPartitions)
    .flatMap((line) => line.toLowerCase().split(/[^a-z]+/))
    .filter((w) => w.length > 0)
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b);
}

export interface WordCountResult {
  /** The most frequent words, by count descending, then word ascending. */
  top: [string, number][];
  /** Number of distinct words. */
  distinct: number;
  /** Number of words. */
  total: number;
}

export async function wordCount(sc: FlintContext, input: string, top = 10, minPartitions?: number): Promise<WordCountResult> {
  const counts = wordCounts(sc, input, minPartitions).cache();
  try {
    const best = await counts.takeOrdered(top, ([word, n]) => [-n, word]);
    const distinct = await counts.count();
    const total = await counts.values().sum();
    return { top: best, distinct, total };
  } finally {
    await counts.unpersist();
  }
}

export function formatWordCount(r: WordCountResult): string {
  return [
    table(
      ['rank', 'word', '     count', ' share'],
      r.top.map(([w, n], i) => [i + 1, w, formatCount(n), `${((100 * n) / r.total).toFixed(2)} %`]),
    ),
    `  ${formatCount(r.total)} words, ${formatCount(r.distinct)} distinct`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: cliArgs(), options: { ...commonOptions, top: { type: 'string', default: '10' } } });
  const input = values.input ?? generatedInput(values, ['corpus']).corpus;
  const sc = await createContext(values, 'wordcount');
  try {
    const [result, ms] = await timed(() => wordCount(sc, input, intFlag('top', values.top)));
    await sc.flushEvents(); // let the progress lines of the job print before the result
    console.log(`Word count of ${input} on ${values.master}: ${formatMs(ms)}`);
    console.log(formatWordCount(result));
  } finally {
    await sc.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runMain('wordcount', main);
