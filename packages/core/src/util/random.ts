/**
 * Seeded pseudo-random numbers (SplitMix32-style) used by samplers, so a sample
 * taken with the same seed on any executor gives the same elements.
 */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 4; i++) this.nextUint32();
  }
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1) with 53 bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }
  /** Poisson-distributed count with the given mean (Knuth for small means, normal approximation beyond). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < 30) {
      const l = Math.exp(-mean);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= this.next();
      } while (p > l);
      return k - 1;
    }
    const u1 = Math.max(this.next(), 1e-300);
    const u2 = this.next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
}

/** Mixes a job-level seed with a partition index into a per-partition seed. */
export function partitionSeed(seed: number, partition: number): number {
  return (Math.imul(Math.floor(seed) | 0, 0x27d4eb2d) ^ Math.imul(partition + 1, 0x165667b1)) >>> 0;
}
