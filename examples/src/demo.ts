/**
 * The Flint demo: word count over ~50 MB of text and 10 iterations of PageRank
 * over a 200,000-link graph, with the console progress bar, the top results and
 * the time each job took. The data is generated on the first run (deterministic,
 * cached under examples/data/) and reused afterwards.
 *
 *   pnpm demo [--master local[2]] [--size demo|small|tiny] [--data DIR] [--quiet]
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FlintContext } from '@flint/core';
import { formatCount, formatMs, runMain, timed } from './common.ts';
import { DEFAULT_DATA_DIR, ensureData, formatBytes, isSizeName, SIZES } from './data.ts';
import { formatPageRank, pageRank } from './pagerank.ts';
import { formatWordCount, wordCount } from './wordcount.ts';
import { cliArgs } from './cli.ts';
import { exampleEnv } from './env.ts';

const RULE = '─'.repeat(64);

function heading(text: string): void {
  console.log(`\n${text}\n${RULE}`);
}

function corpusStats(dir: string): { files: number; bytes: number } {
  const files = fs.readdirSync(dir).filter((f) => !f.startsWith('_') && !f.startsWith('.'));
  return { files: files.length, bytes: files.reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0) };
}

export async function runDemo(argv: string[] = cliArgs()): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      master: { type: 'string', default: 'local[2]' },
      size: { type: 'string', default: 'demo' },
      data: { type: 'string', default: DEFAULT_DATA_DIR },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (!isSizeName(values.size)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}, got "${values.size}"`);
  const sizeName = values.size;
  const size = SIZES[sizeName];

  console.log(`Flint demo: word count and PageRank on ${values.master}`);
  console.log(RULE);

  const [paths, genMs] = await timed(async () =>
    ensureData({ dir: values.data, size: sizeName, parts: ['corpus', 'graph'], log: (line) => console.log(`  ${line}`) }),
  );
  const rel = path.relative(process.cwd(), paths.root) || '.';
  console.log(paths.generated.length > 0 ? `  data ready in ${formatMs(genMs)} (kept in ${rel} for the next run)` : `  using data in ${rel} (generated earlier)`);
  const corpus = corpusStats(paths.corpus);
  console.log(`  corpus: ${corpus.files} files, ${formatBytes(corpus.bytes)}; graph: ${formatCount(size.graph.edges)} links over ${formatCount(size.graph.nodes)} pages`);

  const [sc, startMs] = await timed(() => FlintContext.create({ master: values.master, appName: 'flint-demo', progress: !values.quiet }));
  console.log(`  FlintContext ${sc.appId} started in ${formatMs(startMs)} (${sc.defaultParallelism} cores)`);
  // `flint demo` passes its master's web UI address: this application's page there.
  const uiUrl = exampleEnv.uiUrl();
  if (uiUrl) console.log(`  web UI: ${uiUrl}/apps/${encodeURIComponent(sc.appId)}`);
  const timings: [string, number][] = [];
  try {
    heading(`1. Word count over ${formatBytes(corpus.bytes)} of text`);
    const [counts, wcMs] = await timed(() => wordCount(sc, paths.corpus, 10));
    await sc.flushEvents();
    console.log(formatWordCount(counts));
    console.log(`  took ${formatMs(wcMs)}`);
    timings.push(['word count', wcMs]);

    const iterations = 10;
    heading(`2. PageRank, ${iterations} iterations over ${formatCount(size.graph.edges)} links`);
    const [ranks, prMs] = await timed(() => pageRank(sc, paths.edges, { iterations, top: 10 }));
    await sc.flushEvents();
    console.log(formatPageRank(ranks));
    console.log(`  took ${formatMs(prMs)}`);
    timings.push(['PageRank', prMs]);
  } finally {
    await sc.stop();
  }

  heading('Summary');
  for (const [name, ms] of timings) console.log(`  ${name.padEnd(12)} ${formatMs(ms).padStart(9)}`);
  console.log(`  ${'total'.padEnd(12)} ${formatMs(timings.reduce((a, [, ms]) => a + ms, 0)).padStart(9)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runMain('demo', () => runDemo());
