import type { SeededRandom } from './seeded-random.ts';

/**
 * ZipfSampler draws ranks in [0, n) with P(rank = r) ∝ 1 / (r + 1)^s.
 * It owns a cumulative table (n doubles) and a guide table that narrows the
 * inverse-CDF binary search to a few steps; build it once per dataset and
 * reuse it for every draw. Read-only after construction.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;
  private readonly guide: Uint32Array;
  private readonly guideSize: number;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    if (n < 1) throw new RangeError('ZipfSampler needs n >= 1');
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let r = 0; r < n; r++) {
      total += 1 / Math.pow(r + 1, s);
      this.cdf[r] = total;
    }
    for (let r = 0; r < n; r++) this.cdf[r] /= total;
    this.cdf[n - 1] = 1;
    this.guideSize = 1 << 16;
    this.guide = new Uint32Array(this.guideSize + 1);
    let r = 0;
    for (let g = 0; g <= this.guideSize; g++) {
      const u = g / this.guideSize;
      while (r < n - 1 && this.cdf[r] < u) r++;
      this.guide[g] = r;
    }
  }

  /** The probability of one rank (for tests and documentation). */
  probability(rank: number): number {
    return rank === 0 ? this.cdf[0] : this.cdf[rank] - this.cdf[rank - 1];
  }

  sample(random: SeededRandom): number {
    const u = random.nextFloat();
    const g = Math.floor(u * this.guideSize);
    let lo = this.guide[g];
    let hi = this.guide[g + 1];
    // Smallest r in [lo, hi] with cdf[r] > u.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * A fixed bijection of [0, n) used to scatter Zipf ranks over ids, so the
 * hottest key is not simply id 0 and hot keys do not cluster in one range.
 * Returned as a table: `table[rank]` is the id.
 */
export function scatterTable(n: number, salt: number): Uint32Array {
  // Multiplying by a number coprime with n permutes Z/nZ (exact: rank * a < 2^53).
  let a = Math.max(1, Math.floor(n * 0.6180339887)) | 1;
  while (gcd(a, n) !== 1) a += 2;
  const table = new Uint32Array(n);
  for (let r = 0; r < n; r++) table[r] = ((r * a) % n + salt) % n;
  return table;
}

function gcd(x: number, y: number): number {
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
