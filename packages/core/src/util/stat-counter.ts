/**
 * Count, mean, variance (Welford), min and max of numbers, mergeable across
 * partitions: what `stats()` returns. Plain data so it ships as a task result.
 */
export interface StatCounterData {
  n: number;
  mu: number;
  m2: number;
  maxValue: number;
  minValue: number;
}

export class StatCounter {
  n = 0;
  mu = 0;
  m2 = 0;
  maxValue = -Infinity;
  minValue = Infinity;

  static of(values: Iterable<number>): StatCounter {
    const s = new StatCounter();
    for (const v of values) s.merge(v);
    return s;
  }
  static fromData(d: StatCounterData): StatCounter {
    return Object.assign(new StatCounter(), d);
  }
  merge(value: number): this {
    const delta = value - this.mu;
    this.n += 1;
    this.mu += delta / this.n;
    this.m2 += delta * (value - this.mu);
    if (value > this.maxValue) this.maxValue = value;
    if (value < this.minValue) this.minValue = value;
    return this;
  }
  mergeStats(o: StatCounterData): this {
    if (o.n === 0) return this;
    if (this.n === 0) {
      Object.assign(this, { n: o.n, mu: o.mu, m2: o.m2, maxValue: o.maxValue, minValue: o.minValue });
      return this;
    }
    const delta = o.mu - this.mu;
    const n = this.n + o.n;
    this.mu = this.mu + (delta * o.n) / n;
    this.m2 += o.m2 + (delta * delta * this.n * o.n) / n;
    this.n = n;
    this.maxValue = Math.max(this.maxValue, o.maxValue);
    this.minValue = Math.min(this.minValue, o.minValue);
    return this;
  }
  toData(): StatCounterData {
    return { n: this.n, mu: this.mu, m2: this.m2, maxValue: this.maxValue, minValue: this.minValue };
  }
  count(): number { return this.n; }
  mean(): number { return this.n === 0 ? NaN : this.mu; }
  sum(): number { return this.n * this.mu; }
  max(): number { return this.maxValue; }
  min(): number { return this.minValue; }
  /** Population variance. */
  variance(): number { return this.n === 0 ? NaN : this.m2 / this.n; }
  /** Sample variance (divides by n - 1). */
  sampleVariance(): number { return this.n <= 1 ? NaN : this.m2 / (this.n - 1); }
  stdev(): number { return Math.sqrt(this.variance()); }
  sampleStdev(): number { return Math.sqrt(this.sampleVariance()); }
  toString(): string {
    return `(count: ${this.n}, mean: ${this.mean()}, stdev: ${this.stdev()}, max: ${this.maxValue}, min: ${this.minValue})`;
  }
}
