import cliProgress from 'cli-progress';
import type { DatasetFiles, GenerationReporter } from '../data/dataset-cache.ts';
import type { DatasetName } from '../data/generators.ts';

const MB = 1e6;

/**
 * BenchProgress shows where the suite is: on a terminal, two cli-progress bars
 * (steps of the whole suite, and the current step: bytes generated or runs
 * done); otherwise one plain line per event, so logs stay readable. Lines
 * logged through it appear above the bars. Single-threaded; stop() once.
 */
export class BenchProgress {
  private readonly multi: cliProgress.MultiBar | undefined;
  private readonly overall: cliProgress.SingleBar | undefined;
  private current: cliProgress.SingleBar | undefined;
  private stepIndex = 0;
  private stepLabel = '';
  private genDone = 0;
  private genTotal = 0;
  private genLastLine = 0;

  constructor(private totalSteps: number) {
    if (process.stdout.isTTY) {
      this.multi = new cliProgress.MultiBar(
        {
          format: ' {bar} {value}/{total} {unit} | {task}',
          hideCursor: true,
          clearOnComplete: true,
          stopOnComplete: false,
          barsize: 28,
          fps: 8,
        },
        cliProgress.Presets.shades_classic,
      );
      this.overall = this.multi.create(totalSteps, 0, { unit: 'steps', task: 'starting' });
    }
  }

  setTotalSteps(total: number): void {
    this.totalSteps = total;
    this.overall?.setTotal(total);
  }

  /** A line above the bars (or on its own when not a terminal). */
  log(line: string): void {
    if (this.multi) this.multi.log(`${line}\n`);
    else console.log(line);
  }

  /** Progress of something with no bar of its own (an install, a probe). */
  status(text: string): void {
    if (this.overall) this.overall.update({ task: text });
    else console.log(`  ${text}`);
  }

  generationReporter(): GenerationReporter {
    return {
      begin: (dataset: DatasetName, expectedBytes: number) => {
        this.genDone = 0;
        this.genTotal = expectedBytes;
        this.genLastLine = 0;
        if (this.multi) {
          this.current = this.multi.create(Math.max(1, Math.round(expectedBytes / MB)), 0, { unit: 'MB', task: `generating ${dataset}` });
        } else {
          console.log(`generating ${dataset} (≈ ${(expectedBytes / MB).toFixed(0)} MB)`);
        }
      },
      advance: (bytes: number) => {
        this.genDone += bytes;
        if (this.current) {
          this.current.update(Math.min(Math.round(this.genDone / MB), this.current.getTotal()));
        } else if (this.genDone - this.genLastLine >= Math.max(this.genTotal / 4, 64 * MB)) {
          this.genLastLine = this.genDone;
          console.log(`  … ${(this.genDone / MB).toFixed(0)} MB`);
        }
      },
      end: (dataset: DatasetName, files: DatasetFiles, cached: boolean) => {
        if (this.current) {
          this.multi?.remove(this.current);
          this.current = undefined;
        }
        this.log(`${cached ? 'cached   ' : 'generated'} ${dataset}: ${files.files.length} files, ${(files.bytes / MB).toFixed(1)} MB in ${files.dir}`);
      },
    };
  }

  /** A measured child starts: `runs` runs of one engine on one workload. */
  beginStep(label: string, runs: number): void {
    this.stepIndex++;
    this.stepLabel = label;
    if (this.multi) {
      this.overall?.update(this.stepIndex - 1, { task: label });
      this.current = this.multi.create(runs, 0, { unit: 'runs', task: label });
    } else {
      console.log(`[${this.stepIndex}/${this.totalSteps}] ${label}`);
    }
  }

  runDone(run: number, ms: number, warmup = false): void {
    const what = `${warmup ? 'warm-up' : 'run'} ${run + 1}`;
    if (this.current) this.current.update(warmup ? 0 : run + 1, { task: `${this.stepLabel}: ${what} ${formatMs(ms)}` });
    else console.log(`  ${what}: ${formatMs(ms)}`);
  }

  endStep(outcome: string): void {
    if (this.current) {
      this.multi?.remove(this.current);
      this.current = undefined;
    }
    this.overall?.update(this.stepIndex, { task: this.stepLabel });
    this.log(`${this.multi ? `[${this.stepIndex}/${this.totalSteps}] ${this.stepLabel}: ` : '  → '}${outcome}`);
  }

  stop(): void {
    this.multi?.stop();
  }
}

export function formatMs(ms: number): string {
  if (ms >= 100_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}
