import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './bench-options.ts';
import type { MachineInfo } from './machine.ts';
import { formatMs } from './progress.ts';
import type { EngineRow, SuiteResult, WorkloadResult } from './suite.ts';

const MB = 1e6;
const BASELINE_ORDER = ['plain-js', 'plain-js-split', 'skale', 'duckdb', 'raw-socket'];

function formatBytes(bytes: number | undefined): string {
  if (!bytes) return '–';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  return `${(bytes / MB).toFixed(0)} MB`;
}

function formatThroughput(t: EngineRow['throughput']): string {
  if (!t) return '–';
  const v = t.value;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${t.unit}`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Time of this row ÷ time of the baseline row: above 1 means slower than that baseline. */
export function ratio(row: EngineRow, baseline: EngineRow | undefined): string {
  if (!baseline || baseline === row) return '·';
  if (row.status !== 'ok' || baseline.status !== 'ok' || !row.medianMs || !baseline.medianMs) return '–';
  const r = row.medianMs / baseline.medianMs;
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

function renderWorkload(w: WorkloadResult, result: SuiteResult): string {
  const baselines = BASELINE_ORDER.map((b) => w.rows.find((r) => r.engine === b)).filter((r): r is EngineRow => r !== undefined);
  const head = ['engine', 'median', 'runs (min–max)', 'throughput', 'peak RSS', 'others', ...baselines.map((b) => `÷${b.engine}`), 'answer'];
  const lines: string[][] = [];
  for (const row of w.rows) {
    if (row.status === 'failed' || row.status === 'unavailable') {
      lines.push([row.engine, row.status === 'unavailable' ? `not yet available` : `failed: ${row.reason ?? ''}`]);
      continue;
    }
    const range = row.runsMs.length > 0 ? `${formatMs(Math.min(...row.runsMs))}–${formatMs(Math.max(...row.runsMs))}` : '–';
    const answer =
      row.status === 'wrong'
        ? `WRONG: ${row.reason}`
        : `${row.engine === w.reference ? 'reference' : 'equal'}${row.check?.warning ? ` (warning: ${row.check.warning})` : ''}${row.note ? ` [${row.note}]` : ''}`;
    lines.push([
      row.engine,
      formatMs(row.medianMs ?? 0),
      range,
      formatThroughput(row.throughput),
      formatBytes(row.peakRssBytes),
      row.otherCpuShare === undefined ? '–' : `${Math.round(row.otherCpuShare * 100)}%`,
      ...baselines.map((b) => ratio(row, b)),
      answer,
    ]);
  }
  const full = lines.filter((l) => l.length === head.length);
  const widths = head.map((h, i) => Math.max(h.length, ...full.map((l) => l[i].length)));
  const rightAligned = (i: number): boolean => i >= 1 && i < head.length - 1;
  const fmt = (cells: string[]): string =>
    cells.length === head.length
      ? `  ${cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i], rightAligned(i)))).join('  ')}`
      : `  ${pad(cells[0], widths[0])}  ${cells[1]}`;
  const inputs = inputText(w, result);
  const out = [
    `■ ${w.workload} — ${w.title}${inputs ? ` · ${inputs}` : ''}`,
    `  timed: ${w.timed}`,
    `  checked: ${w.checkedBy}${w.reference && w.reference !== 'plain-js' ? ` (reference: ${w.reference}, plain JS failed)` : ''}`,
    fmt(head),
    ...lines.map(fmt),
    '  setups:',
    ...w.rows.filter((r) => r.setup && r.status !== 'unavailable').map((r) => `    ${r.engine}: ${r.setup}`),
  ];
  return out.join('\n');
}

function inputText(w: WorkloadResult, r: SuiteResult): string {
  const d = r.datasets;
  const mb = (b: number): string => `${(b / MB).toFixed(b < 10 * MB ? 1 : 0)} MB`;
  switch (w.workload) {
    case 'wordcount':
      return d.corpus ? `corpus ${mb(d.corpus.bytes)} in ${d.corpus.files} files, ${r.size.corpus.vocabulary} distinct words max` : '';
    case 'groupby':
      return `${r.size.pairs.rows.toLocaleString('en')} rows over ${r.size.pairs.keys.toLocaleString('en')} keys (Zipf s=${r.size.pairs.zipfS})`;
    case 'join':
      return `${r.size.pairs.rows.toLocaleString('en')} rows ⋈ one weight for ~${Math.round(r.size.dimension.presence * 100)}% of ${r.size.pairs.keys.toLocaleString('en')} keys`;
    case 'sort':
      return `${r.size.records.rows.toLocaleString('en')} records${d.records ? `, ${mb(d.records.bytes)}` : ''}`;
    case 'pagerank':
      return `${r.size.graph.edges.toLocaleString('en')} edges, ${r.size.graph.nodes.toLocaleString('en')} nodes, ${r.size.pagerankIterations} iterations`;
    case 'tinytasks':
      return `${r.size.tinyTasks.toLocaleString('en')} tasks`;
    case 'shuffle':
      return `${r.size.shuffleRecords.toLocaleString('en')} records × ${r.size.shuffleRecordBytes} B = ${mb(r.size.shuffleRecords * r.size.shuffleRecordBytes)} through repartition(${r.size.partitions})`;
  }
}

/** The human-readable report: one table per workload, then how to read it. */
export function renderReport(result: SuiteResult, machine: MachineInfo): string {
  const unavailable = new Map<string, string>();
  for (const w of result.workloads) {
    for (const r of w.rows) if (r.status === 'unavailable') unavailable.set(r.engine, r.reason ?? '');
  }
  return [
    `Flint benchmark · size ${result.size.name} · median of ${result.runs} run(s)${result.warmup > 0 ? ` after ${result.warmup} warm-up run(s)` : ''} · seed ${result.seed}`,
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${machine.os}, Node ${machine.node}${machine.gitCommit ? `, commit ${machine.gitCommit}` : ''}`,
    '',
    ...result.workloads.map((w) => `${renderWorkload(w, result)}\n`),
    ...[...unavailable].map(([engine, reason]) => `${engine}: not yet available${reason ? ` (${reason})` : ''}`),
    ...(unavailable.size > 0 ? [''] : []),
    'How to read: median = median wall time of the timed part (in the engine\'s own process, after its start-up);',
    '÷X = this row\'s median divided by X\'s (below 1 = faster than X, above 1 = slower);',
    'peak RSS = peak resident memory of the engine\'s whole process tree (sampled from /proc, and the process\'s own getrusage peak);',
    'others = share of the machine\'s CPU used by processes outside the benchmark meanwhile (above ~10% the numbers are noisy);',
    'each engine ran in its own child process, its warm-up runs first (left out of the median, as is a warm-up longer than',
    'half the time budget, which counts as a run instead); "equal" = every run\'s answer, warm-ups included, matched the',
    'reference as stated under "checked".',
  ].join('\n');
}

/** Writes the results as JSON to a new timestamped file and returns its path. */
export function writeResultsJson(
  result: SuiteResult,
  machine: MachineInfo,
  options: BenchOptions,
  startedAt: Date,
): string {
  mkdirSync(options.resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const path = join(options.resultsDir, `bench-${result.size.name}-${stamp}.json`);
  const body = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    options: {
      size: options.size,
      runs: options.runs,
      warmup: options.warmup,
      only: options.only,
      engines: options.engines,
      seed: options.seed,
      timeoutMs: options.timeoutMs,
      budgetMs: options.budgetMs,
      skaleWorkers: options.skaleWorkers,
    },
    size: result.size,
    datasets: result.datasets,
    workloads: result.workloads.map((w) => {
      const baselines = BASELINE_ORDER.map((b) => w.rows.find((r) => r.engine === b)).filter((r): r is EngineRow => r !== undefined);
      return {
        ...w,
        rows: w.rows.map((r) => ({
          ...r,
          ratios: Object.fromEntries(
            baselines
              .filter((b) => b !== r && b.status === 'ok' && r.status === 'ok' && b.medianMs && r.medianMs)
              .map((b) => [b.engine, r.medianMs! / b.medianMs!]),
          ),
        })),
      };
    }),
  };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
  return path;
}
