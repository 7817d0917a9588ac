/**
 * k-means (Lloyd's algorithm) over 2-D points given as lines "x y". The points
 * are cached; each iteration broadcasts the current centres, assigns every
 * point to its closest centre, and moves each centre to the mean of its points
 * (a centre without points stays). It stops when the centres moved less than
 * epsilon in total (sum of squared distances) or after maxIterations.
 *
 *   pnpm --filter @flint/examples exec tsx src/kmeans.ts [--master local[2]] [--input FILE] [--size small|demo] [--k 4]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FlintContext, RDD } from '@flint/core';
import { commonOptions, createContext, formatCount, formatMs, generatedInput, runMain, table, timed } from './common.ts';
import { cliArgs, intFlag, numberFlag } from './cli.ts';

export type Point = [number, number];

export interface KMeansOptions {
  /** @default 4 */
  k?: number;
  /** @default 1e-6 */
  epsilon?: number;
  /** @default 20 */
  maxIterations?: number;
  /** The starting centres; by default a sample of k points (takeSample without replacement). */
  initial?: Point[];
  /** Seed of the initial sample. @default 42 */
  seed?: number;
}

export interface KMeansResult {
  initial: Point[];
  centers: Point[];
  /** Points assigned to each centre in the last iteration. */
  sizes: number[];
  iterations: number;
  /** Total squared movement of the centres in the last iteration. */
  movement: number;
  points: number;
}

/** Index of the centre closest to p (the lowest index on a tie). */
export function closestCenter(p: Point, centers: readonly Point[]): number {
  let best = 0;
  let bestDist = Infinity;
  for (let i = 0; i < centers.length; i++) {
    const dx = p[0] - centers[i]![0];
    const dy = p[1] - centers[i]![1];
    const d = dx * dx + dy * dy;
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return best;
}

export function parsePoints(sc: FlintContext, input: string): RDD<Point> {
  return sc
    .textFile(input)
    .filter((line) => line.length > 0)
    .map((line): Point => {
      const sp = line.indexOf(' ');
      return [Number(line.slice(0, sp)), Number(line.slice(sp + 1))];
    });
}

export async function kMeans(sc: FlintContext, input: string, opts: KMeansOptions = {}): Promise<KMeansResult> {
  const k = opts.k ?? 4;
  const epsilon = opts.epsilon ?? 1e-6;
  const maxIterations = opts.maxIterations ?? 20;
  const points = parsePoints(sc, input).cache();
  try {
    const initial = opts.initial ?? (await points.takeSample(false, k, opts.seed ?? 42));
    if (initial.length !== k) throw new Error(`k-means: need ${k} initial centres, got ${initial.length}`);
    let centers = initial.map((c): Point => [c[0], c[1]]);
    let sizes: number[] = [];
    let movement = Infinity;
    let iterations = 0;
    while (iterations < maxIterations && movement >= epsilon) {
      const current = sc.broadcast(centers);
      // Per centre: [sum of x, sum of y, number of points].
      const sums = await points
        .map((p): [number, [number, number, number]] => [closestCenter(p, current.value), [p[0], p[1], 1]], { closestCenter, current })
        .reduceByKey((a, b): [number, number, number] => [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
        .collectAsMap();
      current.destroy();
      const next = centers.map((c, i): Point => {
        const s = sums.get(i);
        return s ? [s[0] / s[2], s[1] / s[2]] : c;
      });
      movement = 0;
      for (let i = 0; i < k; i++) movement += (next[i]![0] - centers[i]![0]) ** 2 + (next[i]![1] - centers[i]![1]) ** 2;
      sizes = centers.map((_, i) => sums.get(i)?.[2] ?? 0);
      centers = next;
      iterations++;
    }
    return { initial, centers, sizes, iterations, movement, points: sizes.reduce((a, b) => a + b, 0) };
  } finally {
    await points.unpersist();
  }
}

export function formatKMeans(r: KMeansResult): string {
  return [
    table(
      ['centre', '        x', '        y', '   points'],
      r.centers.map((c, i) => [i, c[0].toFixed(4), c[1].toFixed(4), formatCount(r.sizes[i] ?? 0)]),
    ),
    `  ${formatCount(r.points)} points, ${r.iterations} iterations, last movement ${r.movement.toExponential(2)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: cliArgs(),
    options: {
      ...commonOptions,
      k: { type: 'string', default: '4' },
      epsilon: { type: 'string', default: '1e-6' },
      iterations: { type: 'string', default: '20' },
    },
  });
  const input = values.input ?? generatedInput(values, ['points']).points;
  const sc = await createContext(values, 'kmeans');
  try {
    const opts = { k: intFlag('k', values.k), epsilon: numberFlag('epsilon', values.epsilon), maxIterations: intFlag('iterations', values.iterations) };
    const [r, ms] = await timed(() => kMeans(sc, input, opts));
    await sc.flushEvents(); // let the progress lines of the job print before the result
    console.log(`k-means (k = ${opts.k}) of ${input} on ${values.master}: ${formatMs(ms)}`);
    console.log(formatKMeans(r));
  } finally {
    await sc.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runMain('kmeans', main);
