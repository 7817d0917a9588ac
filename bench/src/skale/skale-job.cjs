'use strict';
// Child process entry for the skale baseline (plain CommonJS: skale ships
// closures to its workers as source text, so they must be plain JavaScript).
//   SKALE_MODULE=<dir of skale> SKALE_WORKERS=2 node skale-job.cjs <job-spec-json>
// Speaks the harness's line protocol (see child-protocol.ts).

const startedAt = performance.now();
const MARKER = '@@flint-bench@@ ';
const M = 67108859; // CHECKSUM_MOD in answers.ts

function emit(message) {
  return new Promise((resolve) => process.stdout.write(MARKER + JSON.stringify(message) + '\n', () => resolve()));
}

const spec = JSON.parse(process.argv[2]);
const skale = require(process.env.SKALE_MODULE);
const sc = skale.context();
const P = spec.size.partitions;

function shuffleFiller(length) {
  let s = '';
  for (let i = 0; s.length < length; i++) s += String.fromCharCode(97 + ((i * 7) % 26));
  return s;
}

const notes = {
  pagerank: '; links re-read and re-grouped each iteration (no cache: a dataset used on both sides of a join crashes skale 1.2.2)',
  sort: '; sortByKey into as many partitions as input files (more crashes its workers); per-partition summaries via its ordered aggregate (it has no mapPartitions)',
  tinytasks: '; sc.range(0, N, 1, N).count()',
  shuffle: '; records made in the workers by sc.source, partitionBy(HashPartitioner(P))',
};

// Its workers revive a closure from source only if it looks like `function`, `(a) =>`
// or `a =>`: an arrow with no parameter (`() => 1`) arrives as a string, so every
// closure here takes at least one parameter.
const jobs = {
  wordcount: () =>
    sc.textFile(spec.inputs.corpus.glob)
      .flatMap((line) => line.split(' '))
      .map((w) => [w, 1])
      .reduceByKey((a, b) => a + b, 0)
      .collect(),

  groupby: () =>
    sc.textFile(spec.inputs.pairs.glob)
      .map((line) => {
        const t = line.indexOf('\t');
        return [line.slice(0, t), Number(line.slice(t + 1))];
      })
      .reduceByKey((a, b) => a + b, 0)
      .collect(),

  join: async () => {
    const parse = (line) => {
      const t = line.indexOf('\t');
      return [line.slice(0, t), Number(line.slice(t + 1))];
    };
    const facts = sc.textFile(spec.inputs.pairs.glob).map(parse);
    const dim = sc.textFile(spec.inputs.dimension.glob).map(parse);
    const [rows, sumProduct, checksum] = await facts.join(dim).aggregate(
      (acc, kv, a) => {
        const p = kv[1][0] * kv[1][1];
        const id = Number(kv[0].slice(1));
        acc[0] += 1;
        acc[1] += p;
        acc[2] = (acc[2] + ((id % a.M) * (p % a.M)) % a.M) % a.M;
        return acc;
      },
      (x, y, a) => [x[0] + y[0], x[1] + y[1], (x[2] + y[2]) % a.M],
      [0, 0, 0],
      { M },
    );
    return { rows, sumProduct, checksum };
  },

  sort: async () => {
    // skale has no mapPartitions; its aggregate folds each partition in order and
    // combines partition results by partition index, so an ordered summary works.
    // More output partitions than input files crashes its workers ("Cannot read
    // properties of undefined (reading 'path')" in task.js), so it sorts into as many.
    const s = await sc.textFile(spec.inputs.records.glob)
      .map((line) => [Number(line.slice(0, line.indexOf(','))), line])
      .sortByKey(true, spec.inputs.records.files.length)
      .aggregate(
        (acc, kv, a) => {
          const k = kv[0];
          if (acc.n > 0 && k < acc.last) acc.sorted = false;
          if (acc.n === 0) acc.first = k;
          acc.last = k;
          acc.local = (acc.local + ((acc.n % a.M) * (k % a.M)) % a.M) % a.M;
          acc.keySum = (acc.keySum + (k % a.M)) % a.M;
          acc.bytes += kv[1].length;
          acc.n += 1;
          return acc;
        },
        (x, y, a) => {
          if (y.n === 0) return x;
          if (x.n === 0) return y;
          return {
            n: x.n + y.n,
            first: x.first,
            last: y.last,
            sorted: x.sorted && y.sorted && x.last <= y.first,
            local: (x.local + y.local + ((x.n % a.M) * y.keySum) % a.M) % a.M,
            keySum: (x.keySum + y.keySum) % a.M,
            bytes: x.bytes + y.bytes,
          };
        },
        { n: 0, first: null, last: null, sorted: true, local: 0, keySum: 0, bytes: 0 },
        { M },
      );
    return { count: s.n, sorted: s.sorted, rankChecksum: s.local, bytes: s.bytes };
  },

  pagerank: () => {
    // skale 1.2.2 crashes its workers ("Cannot read properties of undefined (reading
    // 'partitions')", driver exits 0) when one dataset feeds both sides of a join,
    // as a cached links dataset does; so links are rebuilt from the file each iteration.
    const links = () =>
      sc.textFile(spec.inputs.graph.glob)
        .map((line) => {
          const s = line.indexOf(' ');
          return [Number(line.slice(0, s)), Number(line.slice(s + 1))];
        })
        .distinct()
        .groupByKey();
    let ranks = links().mapValues((v) => 1);
    for (let i = 0; i < spec.size.pagerankIterations; i++) {
      const contribs = links().join(ranks).flatMap((kv) => {
        const urls = kv[1][0];
        const rank = kv[1][1];
        return urls.map((u) => [u, rank / urls.length]);
      });
      ranks = contribs.reduceByKey((a, b) => a + b, 0).mapValues((r) => 0.15 + 0.85 * r);
    }
    return ranks.collect();
  },

  tinytasks: async () => {
    const n = spec.size.tinyTasks;
    const count = await sc.range(0, n, 1, n).count();
    return { tasks: n, count };
  },

  shuffle: async () => {
    const L = spec.size.shuffleRecordBytes;
    const parts = await sc
      .source(spec.size.shuffleRecords, (i, a) => [String(i), (i.toString(36) + a.filler).slice(0, a.L)], { filler: shuffleFiller(L), L }, P)
      .partitionBy(new skale.HashPartitioner(P))
      .map((kv) => kv[1].length)
      .aggregate((acc, len) => [acc[0] + 1, acc[1] + len], (x, y) => [x[0] + y[0], x[1] + y[1], x[2] + (y[0] > 0 ? 1 : 0)], [0, 0, 0]);
    return { records: parts[0], bytes: parts[1], partitions: parts[2] };
  },
};

async function main() {
  const job = jobs[spec.workload];
  if (!job) throw new Error('skale does not run ' + spec.workload);
  await emit({
    type: 'ready',
    setup: `skale ${require(process.env.SKALE_MODULE + '/package.json').version}, local mode, SKALE_WORKERS=${sc.worker.length} worker processes${notes[spec.workload] || ''}`,
    startupMs: performance.now() - startedAt,
  });
  // As runMeasured in child-protocol.ts: warm-ups first (one longer than half the budget counts
  // as the first run), gc before each run, stop early past the budget.
  require('node:v8').setFlagsFromString('--expose-gc');
  const gc = require('node:vm').runInNewContext('gc');
  const budgetMs = spec.budgetMs ?? Infinity;
  const timed = async () => {
    gc();
    const t0 = performance.now();
    const answer = await job();
    return { ms: performance.now() - t0, answer };
  };
  let spent = 0;
  let run = 0;
  let last = 0;
  for (let w = 0; w < (spec.warmup ?? 0); w++) {
    const { ms, answer } = await timed();
    if (ms > budgetMs / 2) {
      spent = last = ms;
      await emit({ type: 'run', run: run++, ms, answer });
      break;
    }
    await emit({ type: 'run', run: w, ms, answer, warmup: true });
  }
  for (; run < spec.runs; run++) {
    if (run > 0 && spent + last > budgetMs) break;
    const { ms, answer } = await timed();
    spent += ms;
    last = ms;
    await emit({ type: 'run', run, ms, answer });
  }
}

main().then(
  async () => {
    sc.end();
    await emit({ type: 'done', maxRssBytes: process.resourceUsage().maxRSS * 1024 });
    process.exit(0);
  },
  async (error) => {
    await emit({ type: 'error', message: (error && error.stack) || String(error) });
    try { sc.end(); } catch { /* already down */ }
    process.exit(1);
  },
);
