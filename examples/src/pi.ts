/**
 * Estimates π by throwing random points into the square [-1, 1]² and counting
 * those inside the unit circle (area π of 4). Each partition draws from its own
 * generator seeded by (seed, partition index), so a run is reproducible.
 *
 * The helpers reach the executors through the closure's env. The function
 * uses local aliases (newRandom, seedFor) rather than the imported names:
 * test runners that rewrite imports (vitest) turn a use of an imported name
 * inside the function into a module-object access, which cannot be shipped.
 *
 *   pnpm --filter @flint/examples exec tsx src/pi.ts [--master local[2]] [--samples 20000000] [--slices 8] [--seed 7]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FlintContext } from '@flint/core';
import { formatCount, formatMs, runMain, timed } from './common.ts';
import { makeRandom, mixSeed } from './random.ts';
import { cliArgs, intFlag } from './cli.ts';

export interface PiOptions {
  /** Number of random points. @default 1_000_000 */
  samples?: number;
  /** Number of partitions. @default sc.defaultParallelism */
  slices?: number;
  /** @default 7 */
  seed?: number;
}

export interface PiResult {
  estimate: number;
  inside: number;
  samples: number;
}

export async function estimatePi(sc: FlintContext, opts: PiOptions = {}): Promise<PiResult> {
  const samples = opts.samples ?? 1_000_000;
  const slices = opts.slices ?? sc.defaultParallelism;
  const seed = opts.seed ?? 7;
  const newRandom = makeRandom;
  const seedFor = mixSeed;
  const [inside, total] = await sc
    .range(0, samples, 1, slices)
    .mapPartitionsWithIndex(
      (index, it) => {
        const rand = newRandom(seedFor(seed, index));
        let hits = 0;
        let n = 0;
        for (const _ of it) {
          const x = rand() * 2 - 1;
          const y = rand() * 2 - 1;
          if (x * x + y * y <= 1) hits++;
          n++;
        }
        return [[hits, n] as [number, number]];
      },
      { newRandom, seedFor, seed },
    )
    .reduce(([h1, n1], [h2, n2]) => [h1 + h2, n1 + n2]);
  return { estimate: (4 * inside) / total, inside, samples: total };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: cliArgs(),
    options: {
      master: { type: 'string', default: 'local[2]' },
      samples: { type: 'string', default: '20000000' },
      slices: { type: 'string' },
      seed: { type: 'string', default: '7' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const sc = await FlintContext.create({ master: values.master, appName: 'pi', progress: !values.quiet });
  try {
    const opts: PiOptions = { samples: intFlag('samples', values.samples), seed: intFlag('seed', values.seed, 0) };
    if (values.slices !== undefined) opts.slices = intFlag('slices', values.slices);
    const [r, ms] = await timed(() => estimatePi(sc, opts));
    await sc.flushEvents(); // let the progress lines of the job print before the result
    console.log(`π ≈ ${r.estimate.toFixed(6)} (error ${(r.estimate - Math.PI).toExponential(2)}) from ${formatCount(r.samples)} points, ${formatCount(r.inside)} inside; ${formatMs(ms)} on ${values.master}`);
  } finally {
    await sc.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runMain('pi', main);
