import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { POINT_CENTERS } from './data.ts';
import { kMeans, type Point } from './kmeans.ts';
import { readLines, tinyData, type TestData } from './test-data.ts';

/** Lloyd's algorithm in plain JS with the example's rules (lowest index wins a tie, an empty cluster keeps its centre). */
function referenceKMeans(points: Point[], initial: Point[], epsilon: number, maxIterations: number) {
  let centers = initial.map((c): Point => [c[0], c[1]]);
  let movement = Infinity;
  let iterations = 0;
  let sizes: number[] = [];
  while (iterations < maxIterations && movement >= epsilon) {
    const sums = centers.map(() => [0, 0, 0]);
    for (const p of points) {
      let best = 0;
      let bestDist = Infinity;
      centers.forEach((c, i) => {
        const d = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2;
        if (d < bestDist) {
          bestDist = d;
          best = i;
        }
      });
      sums[best]![0] += p[0];
      sums[best]![1] += p[1];
      sums[best]![2] += 1;
    }
    const next = centers.map((c, i): Point => (sums[i]![2] > 0 ? [sums[i]![0]! / sums[i]![2]!, sums[i]![1]! / sums[i]![2]!] : c));
    movement = next.reduce((m, c, i) => m + (c[0] - centers[i]![0]) ** 2 + (c[1] - centers[i]![1]) ** 2, 0);
    sizes = sums.map((s) => s[2]!);
    centers = next;
    iterations++;
  }
  return { centers, iterations, sizes };
}

let sc: FlintContext;
let data: TestData;
let points: Point[];

beforeAll(async () => {
  data = tinyData(['points']);
  points = readLines(data.points).map((l) => l.split(' ').map(Number) as Point);
  sc = await FlintContext.create({ master: 'local[2]', appName: 'kmeans-test' });
});

afterAll(async () => {
  await sc?.stop();
  data?.remove();
});

function expectCentersClose(got: Point[], want: Point[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((c, i) => {
    expect(Math.abs(c[0] - want[i]![0])).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(c[1] - want[i]![1])).toBeLessThanOrEqual(1e-9);
  });
}

describe('k-means', () => {
  it('matches plain-JS Lloyd iterations from the same sampled initial centres', async () => {
    const r = await kMeans(sc, data.points, { k: 4, epsilon: 1e-6, maxIterations: 20 });
    // The initial centres are k distinct points of the data set.
    expect(r.initial).toHaveLength(4);
    const keys = new Set(points.map((p) => p.join(' ')));
    for (const c of r.initial) expect(keys.has(c.join(' '))).toBe(true);
    expect(new Set(r.initial.map((c) => c.join(' '))).size).toBe(4);

    const want = referenceKMeans(points, r.initial, 1e-6, 20);
    expect(r.iterations).toBe(want.iterations);
    expectCentersClose(r.centers, want.centers);
    expect(r.sizes).toEqual(want.sizes);
    expect(r.points).toBe(points.length);
  });

  it('matches from given initial centres, stopping at the iteration limit', async () => {
    const initial: Point[] = [points[0]!, points[1]!, points[2]!, points[3]!];
    const r = await kMeans(sc, data.points, { initial, epsilon: 0, maxIterations: 3 });
    const want = referenceKMeans(points, initial, 0, 3);
    expect(r.iterations).toBe(3);
    expectCentersClose(r.centers, want.centers);
    expect(r.sizes).toEqual(want.sizes);
  });

  it('finds the four generating centres from well-spread starting points', async () => {
    const r = await kMeans(sc, data.points, { initial: [[-10, -10], [10, -10], [-10, 10], [10, 10]] });
    const want = referenceKMeans(points, [[-10, -10], [10, -10], [-10, 10], [10, 10]], 1e-6, 20);
    expectCentersClose(r.centers, want.centers);
    r.centers.forEach((c, i) => {
      expect(Math.hypot(c[0] - POINT_CENTERS[i]![0], c[1] - POINT_CENTERS[i]![1])).toBeLessThan(0.3);
    });
  });
});
