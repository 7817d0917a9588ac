/**
 * PageRank over a link graph given as lines "src dst" (page ids are integers),
 * with the formula of Spark's example: each iteration, every page sends
 * rank / outDegree to each page it links to, and a page's new rank is
 * 0.15 + 0.85 × the sum it received. Pages that receive nothing drop out.
 *
 *   pnpm --filter @flint/examples exec tsx src/pagerank.ts [--master local[2]] [--input FILE] [--size small|demo] [--iterations 10]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FlintContext, RDD } from '@flint/core';
import { commonOptions, createContext, formatCount, formatMs, generatedInput, runMain, table, timed } from './common.ts';
import { cliArgs, intFlag } from './cli.ts';

export interface PageRankOptions {
  /** @default 10 */
  iterations?: number;
  /** Partitions of the link table and the ranks. @default sc.defaultParallelism */
  partitions?: number;
}

/**
 * The final ranks, as a lazy RDD of (page, rank). Also returns the cached link
 * table, which the caller unpersists when done.
 */
export function pageRankRanks(sc: FlintContext, input: string, opts: PageRankOptions = {}): { ranks: RDD<[number, number]>; links: RDD<[number, number[]]> } {
  const iterations = opts.iterations ?? 10;
  const n = opts.partitions ?? sc.defaultParallelism;
  const edges = sc
    .textFile(input)
    .filter((line) => line.length > 0)
    .map((line): [number, number] => {
      const sp = line.indexOf(' ');
      return [Number(line.slice(0, sp)), Number(line.slice(sp + 1))];
    });
  // A page's outgoing links, hash-partitioned and kept in memory: every iteration joins against it.
  const links = edges.distinct(n).groupByKey().partitionBy(n).cache();
  let ranks: RDD<[number, number]> = links.mapValues(() => 1.0);
  for (let i = 0; i < iterations; i++) {
    const contributions = links
      .join(ranks)
      .values()
      .flatMap(([urls, rank]) => urls.map((url): [number, number] => [url, rank / urls.length]));
    ranks = contributions.reduceByKey((a, b) => a + b, n).mapValues((sum) => 0.15 + 0.85 * sum);
  }
  return { ranks, links };
}

export interface PageRankResult {
  /** The highest ranks, by rank descending, then page ascending. */
  top: [number, number][];
  /** Number of pages with a rank. */
  pages: number;
}

export async function pageRank(sc: FlintContext, input: string, opts: PageRankOptions & { top?: number } = {}): Promise<PageRankResult> {
  const { ranks, links } = pageRankRanks(sc, input, opts);
  const final = ranks.cache();
  try {
    const top = await final.takeOrdered(opts.top ?? 10, ([page, rank]) => [-rank, page]);
    const pages = await final.count();
    return { top, pages };
  } finally {
    await final.unpersist();
    await links.unpersist();
  }
}

export function formatPageRank(r: PageRankResult): string {
  return [
    table(['rank', ' page', '    PageRank'], r.top.map(([page, rank], i) => [i + 1, page, rank.toFixed(4)])),
    `  ${formatCount(r.pages)} pages ranked`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: cliArgs(),
    options: { ...commonOptions, iterations: { type: 'string', default: '10' }, top: { type: 'string', default: '10' } },
  });
  const input = values.input ?? generatedInput(values, ['graph']).edges;
  const sc = await createContext(values, 'pagerank');
  try {
    const iterations = intFlag('iterations', values.iterations);
    const [result, ms] = await timed(() => pageRank(sc, input, { iterations, top: intFlag('top', values.top) }));
    await sc.flushEvents(); // let the progress lines of the job print before the result
    console.log(`PageRank (${iterations} iterations) of ${input} on ${values.master}: ${formatMs(ms)}`);
    console.log(formatPageRank(result));
  } finally {
    await sc.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runMain('pagerank', main);
