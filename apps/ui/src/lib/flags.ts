/**
 * Straggler and skew rules: which tasks (and so which stages) to flag.
 *
 * - Skew: a task's input or shuffle read (bytes or records) is at least
 *   SKEW_FACTOR times the stage's median and above it by a floor, so tiny
 *   stages whose values differ by a few bytes are never flagged.
 * - Straggler: once STRAGGLER_MIN_DONE of a stage's tasks have succeeded
 *   (before that the median means little, as in Spark's speculation rule), a
 *   task whose duration — elapsed time while it runs — is at least
 *   STRAGGLER_FACTOR times the median duration and longer by STRAGGLER_MIN_MS.
 *
 * Medians come from the stage's summary quantiles (successful tasks). Every
 * flag names the partition and the executor, so the text reads on its own.
 */

export const SKEW_FACTOR = 2;
export const SKEW_MIN_BYTES = 1024 * 1024;
export const SKEW_MIN_RECORDS = 10_000;
export const STRAGGLER_FACTOR = 2;
export const STRAGGLER_MIN_MS = 1_000;
export const STRAGGLER_MIN_DONE = 0.75;

/** The task measures the rules look at. */
export const SKEW_METRICS = ['inputBytes', 'inputRecords', 'shuffleReadBytes', 'shuffleReadRecords'] as const;
export type SkewMetric = (typeof SKEW_METRICS)[number];

export interface FlagTask {
  index: number;
  executorId: string;
  status: string;
  launchTime: number;
  duration: number | null;
  values: Partial<Record<SkewMetric, number>>;
}

export interface StageMedians {
  /** Median task duration of successful tasks (ms), null when none. */
  duration: number | null;
  values: Partial<Record<SkewMetric, number | null>>;
  /** Successful tasks / all tasks of the stage attempt. */
  doneFraction: number;
}

export interface TaskFlag {
  kind: 'skew' | 'straggler';
  partition: number;
  executorId: string;
  /** The measure that tripped the rule: a SkewMetric or 'duration'. */
  metric: SkewMetric | 'duration';
  value: number;
  median: number;
  /** "skew: partition 3 on executor 1 read 5.0× the median shuffleReadRecords" */
  text: string;
}

function floorFor(metric: SkewMetric): number {
  return metric.endsWith('Bytes') ? SKEW_MIN_BYTES : SKEW_MIN_RECORDS;
}

/** True when `value` is far enough above `median` to be skew for `metric`. */
export function isSkewed(metric: SkewMetric, value: number, median: number): boolean {
  return value >= SKEW_FACTOR * median && value - median >= floorFor(metric);
}

/** True when a task of this duration is a straggler against `median` with `doneFraction` of its stage done. */
export function isStraggler(duration: number, median: number, doneFraction: number): boolean {
  return doneFraction >= STRAGGLER_MIN_DONE && duration >= STRAGGLER_FACTOR * median && duration - median >= STRAGGLER_MIN_MS;
}

/** Flags of one task. `now` gives a running task its elapsed time. */
export function taskFlags(task: FlagTask, medians: StageMedians, now: number): TaskFlag[] {
  const flags: TaskFlag[] = [];
  for (const metric of SKEW_METRICS) {
    const value = task.values[metric];
    const median = medians.values[metric];
    if (value == null || median == null) continue;
    if (isSkewed(metric, value, median)) {
      const ratio = median > 0 ? `${(value / median).toFixed(1)}× the median` : 'far above the median';
      flags.push({
        kind: 'skew',
        partition: task.index,
        executorId: task.executorId,
        metric,
        value,
        median,
        text: `skew: partition ${task.index} on executor ${task.executorId} has ${ratio} ${metric}`,
      });
      break; // one skew flag per task: the first measure in SKEW_METRICS order
    }
  }
  const running = task.status.toLowerCase() === 'running';
  const duration = task.duration ?? (running ? now - task.launchTime : null);
  if (duration != null && medians.duration != null && isStraggler(duration, medians.duration, medians.doneFraction)) {
    flags.push({
      kind: 'straggler',
      partition: task.index,
      executorId: task.executorId,
      metric: 'duration',
      value: duration,
      median: medians.duration,
      text: `straggler: partition ${task.index} on executor ${task.executorId} ${running ? 'has run' : 'took'} ${(duration / Math.max(1, medians.duration)).toFixed(1)}× the median duration`,
    });
  }
  return flags;
}

/**
 * The same rules as thresholds, for the server-side timeline: a task trips
 * `taskFlags` exactly when one of its measures is at or above its threshold
 * here (a running task's duration being its elapsed time). Each rule is
 * `value ≥ factor × median and value − median ≥ floor`, that is
 * `value ≥ max(factor × median, median + floor)`; no straggler threshold
 * before STRAGGLER_MIN_DONE of the stage is done. Only the measures the
 * timeline carries are given.
 */
export interface FlagThresholds {
  duration?: number;
  inputBytes?: number;
  inputRecords?: number;
  shuffleReadRecords?: number;
}

export function flagThresholds(medians: StageMedians): FlagThresholds {
  const out: FlagThresholds = {};
  for (const metric of ['inputBytes', 'inputRecords', 'shuffleReadRecords'] as const) {
    const m = medians.values[metric];
    if (m != null) out[metric] = Math.max(SKEW_FACTOR * m, m + floorFor(metric));
  }
  if (medians.duration != null && medians.doneFraction >= STRAGGLER_MIN_DONE) out.duration = Math.max(STRAGGLER_FACTOR * medians.duration, medians.duration + STRAGGLER_MIN_MS);
  return out;
}

/** Summary quantiles as the stage page gets them (max and median per measure). */
export interface StageQuantileView {
  count: number;
  numTasks: number;
  metrics: Partial<Record<string, { median: number; max: number } | null>>;
}

export interface StageFlagSummary {
  skew: SkewMetric[];
  straggler: boolean;
}

/**
 * Stage-level flags from quantiles alone (the DAG and stage lists have no task
 * rows): a stage is skewed when its largest task trips the skew rule, a
 * straggler stage when its longest task trips the straggler rule. The task
 * that does it is found by asking for the top task by that measure.
 */
export function stageFlags(q: StageQuantileView): StageFlagSummary {
  const skew: SkewMetric[] = [];
  for (const metric of SKEW_METRICS) {
    const s = q.metrics[metric];
    if (s && isSkewed(metric, s.max, s.median)) skew.push(metric);
  }
  const d = q.metrics['duration'];
  const doneFraction = q.numTasks > 0 ? q.count / q.numTasks : 0;
  return { skew, straggler: !!d && isStraggler(d.max, d.median, doneFraction) };
}

export function hasStageFlags(f: StageFlagSummary): boolean {
  return f.skew.length > 0 || f.straggler;
}

/** Exact median (mean of the middle two on even counts); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
