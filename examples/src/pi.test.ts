import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { estimatePi } from './pi.ts';
import { makeRandom, mixSeed } from './random.ts';

/** The same seeded computation in plain JS: Spark's contiguous slices of [0, samples), one generator per slice. */
function referencePi(samples: number, slices: number, seed: number): { inside: number; estimate: number } {
  let inside = 0;
  for (let s = 0; s < slices; s++) {
    const start = Math.floor((s * samples) / slices);
    const end = Math.floor(((s + 1) * samples) / slices);
    const rand = makeRandom(mixSeed(seed, s));
    for (let i = start; i < end; i++) {
      const x = rand() * 2 - 1;
      const y = rand() * 2 - 1;
      if (x * x + y * y <= 1) inside++;
    }
  }
  return { inside, estimate: (4 * inside) / samples };
}

let sc: FlintContext;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'pi-test' });
});

afterAll(async () => {
  await sc?.stop();
});

describe('pi', () => {
  it('equals the same seeded computation in plain JS and is close to π', async () => {
    const r = await estimatePi(sc, { samples: 400_000, slices: 4, seed: 11 });
    const want = referencePi(400_000, 4, 11);
    expect(r.samples).toBe(400_000);
    expect(r.inside).toBe(want.inside);
    expect(r.estimate).toBe(want.estimate);
    expect(Math.abs(r.estimate - Math.PI)).toBeLessThan(0.1);
  });

  it('is reproducible and handles slices of unequal size', async () => {
    const a = await estimatePi(sc, { samples: 100_003, slices: 3, seed: 5 });
    const b = await estimatePi(sc, { samples: 100_003, slices: 3, seed: 5 });
    expect(a).toEqual(b);
    expect(a.inside).toBe(referencePi(100_003, 3, 5).inside);
    expect(Math.abs(a.estimate - Math.PI)).toBeLessThan(0.1);
  });

  it('depends on the seed', async () => {
    const a = await estimatePi(sc, { samples: 50_000, slices: 2, seed: 1 });
    const b = await estimatePi(sc, { samples: 50_000, slices: 2, seed: 2 });
    expect(a.inside).not.toBe(b.inside);
  });
});
