/**
 * A console progress bar fed by listener events, in Spark's shape:
 * `[Stage 2:=====>          (5 + 2) / 8]` — completed + running / total per
 * active stage. Draws on stderr through cli-progress when it is a terminal;
 * otherwise prints one line per finished stage. Never blocks the scheduler
 * (it is an ordinary listener).
 */
import cliProgress from 'cli-progress';
import type { FlintEvent } from '../listener/events.ts';

interface StageProgress {
  total: number;
  done: number;
  running: number;
  started: number;
}

export class ConsoleProgressBar {
  private readonly stages = new Map<string, StageProgress>();
  private bar: cliProgress.SingleBar | null = null;
  private readonly tty: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly width = 40) {
    this.tty = !!stream.isTTY;
  }

  readonly listener = (e: FlintEvent): void => {
    switch (e.type) {
      case 'stageSubmitted':
        this.stages.set(`${e.stageInfo.stageId}.${e.stageInfo.attempt}`, { total: e.stageInfo.numTasks, done: 0, running: 0, started: e.time });
        break;
      case 'taskStart': {
        const s = this.stages.get(`${e.stageId}.${e.stageAttempt}`);
        if (s) s.running++;
        break;
      }
      case 'taskEnd': {
        const s = this.stages.get(`${e.stageId}.${e.stageAttempt}`);
        if (s) {
          s.running = Math.max(0, s.running - 1);
          if (e.reason.kind === 'success') s.done++;
        }
        break;
      }
      case 'stageCompleted': {
        const key = `${e.stageInfo.stageId}.${e.stageInfo.attempt}`;
        const s = this.stages.get(key);
        this.stages.delete(key);
        if (!this.tty && s) {
          const secs = ((e.time - s.started) / 1000).toFixed(1);
          this.stream.write(`[Stage ${e.stageInfo.stageId}: ${s.done}/${s.total} tasks${e.stageInfo.failureReason ? ', failed' : ''}, ${secs}s]\n`);
        }
        break;
      }
      default:
        return;
    }
    if (this.tty) this.render();
  };

  private render(): void {
    if (this.stages.size === 0) {
      if (this.bar) {
        this.bar.stop();
        this.bar = null;
      }
      return;
    }
    const text = this.line();
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        { stream: this.stream, format: () => this.line(), hideCursor: false, clearOnComplete: true, linewrap: false, fps: 5, barsize: this.width },
        cliProgress.Presets.legacy,
      );
      this.bar.start(1, 0);
    }
    this.bar.update(0, { text });
  }

  /** The current progress line. */
  line(): string {
    const parts: string[] = [];
    const entries = [...this.stages.entries()].slice(0, 3);
    const w = Math.max(10, Math.floor(this.width / Math.max(1, entries.length)));
    for (const [key, s] of entries) {
      const id = key.split('.')[0];
      const header = `[Stage ${id}:`;
      const tailer = `(${s.done} + ${s.running}) / ${s.total}]`;
      const inner = Math.max(0, w - header.length - tailer.length);
      const filled = s.total === 0 ? inner : Math.floor((inner * s.done) / s.total);
      const bar = filled >= inner ? '='.repeat(inner) : `${'='.repeat(filled)}>${' '.repeat(Math.max(0, inner - filled - 1))}`;
      parts.push(`${header}${bar}${tailer}`);
    }
    return parts.join(' ');
  }

  stop(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
