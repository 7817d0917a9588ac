/**
 * Small seeded random number generators shared by the data generator, the
 * examples and their tests. Each function is self-contained (it uses nothing
 * but its parameters and standard globals), so it can be passed in a closure's
 * `env` and run on executors: `rdd.mapPartitionsWithIndex(f, { makeRandom, mixSeed })`.
 */

/** A generator of uniform doubles in [0, 1). */
export type RandomFn = () => number;

/**
 * A seeded generator with 128 bits of state (the "small fast counting" design,
 * sfc32): fast, statistically solid for simulations, and the same sequence for
 * the same seed in every process. The seed is spread over the state by a
 * murmur-style finalizer and the first outputs are discarded.
 */
export function makeRandom(seed: number): RandomFn {
  const spread = (x: number): number => {
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  };
  let a = spread(seed ^ 0x9e3779b9);
  let b = spread(a ^ 0x243f6a88);
  let c = spread(b ^ 0xb7e15162);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/**
 * Derives an independent 32-bit seed from a base seed and an index (a
 * partition number, a file number), by a murmur-style finalizer, so that
 * consecutive indexes give unrelated streams.
 */
export function mixSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A standard normal sample by the Box–Muller transform (uses two uniforms). */
export function normal(rand: RandomFn): number {
  let u = rand();
  while (u === 0) u = rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
