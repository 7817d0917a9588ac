import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { pageRank, pageRankRanks } from './pagerank.ts';
import { readLines, tinyData, type TestData } from './test-data.ts';

/** Spark's example PageRank in plain JS: distinct edges, ranks start at 1, pages without incoming links drop out. */
function referencePageRank(lines: string[], iterations: number): Map<number, number> {
  const links = new Map<number, Set<number>>();
  for (const line of lines) {
    if (line.length === 0) continue;
    const [a, b] = line.split(' ').map(Number) as [number, number];
    let out = links.get(a);
    if (!out) links.set(a, (out = new Set()));
    out.add(b);
  }
  let ranks = new Map<number, number>();
  for (const page of links.keys()) ranks.set(page, 1);
  for (let i = 0; i < iterations; i++) {
    const sums = new Map<number, number>();
    for (const [page, out] of links) {
      const rank = ranks.get(page);
      if (rank === undefined) continue;
      for (const target of out) sums.set(target, (sums.get(target) ?? 0) + rank / out.size);
    }
    ranks = new Map([...sums].map(([page, s]) => [page, 0.15 + 0.85 * s]));
  }
  return ranks;
}

function expectRanksClose(got: [number, number][], expected: Map<number, number>): void {
  expect(got.length).toBe(expected.size);
  const seen = new Set<number>();
  for (const [page, rank] of got) {
    expect(seen.has(page)).toBe(false);
    seen.add(page);
    const want = expected.get(page);
    expect(want, `page ${page} has no reference rank`).toBeDefined();
    expect(Math.abs(rank - want!)).toBeLessThanOrEqual(1e-9);
  }
}

let sc: FlintContext;
let data: TestData;
let tmp: string;

beforeAll(async () => {
  data = tinyData(['graph']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-pagerank-'));
  sc = await FlintContext.create({ master: 'local[2]', appName: 'pagerank-test' });
});

afterAll(async () => {
  await sc?.stop();
  data?.remove();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('PageRank', () => {
  it('matches a plain-JS PageRank on the generated graph (10 iterations)', async () => {
    const expected = referencePageRank(readLines(data.edges), 10);
    const { ranks, links } = pageRankRanks(sc, data.edges, { iterations: 10 });
    expectRanksClose(await ranks.collect(), expected);
    await links.unpersist();
  });

  it('matches with 3 partitions and 4 iterations', async () => {
    const expected = referencePageRank(readLines(data.edges), 4);
    const { ranks, links } = pageRankRanks(sc, data.edges, { iterations: 4, partitions: 3 });
    expectRanksClose(await ranks.collect(), expected);
    await links.unpersist();
  });

  it('handles duplicate edges, dangling pages and pages nobody links to', async () => {
    const file = path.join(tmp, 'small-graph.txt');
    // 1 -> 2 twice (one link), 4 has no outgoing links, 5 has no incoming links.
    fs.writeFileSync(file, ['1 2', '1 2', '1 3', '2 3', '3 1', '3 4', '5 1', ''].join('\n'));
    const expected = referencePageRank(readLines(file), 10);
    expect([...expected.keys()].sort()).toEqual([1, 2, 3, 4]);
    const { ranks, links } = pageRankRanks(sc, file, { iterations: 10 });
    expectRanksClose(await ranks.collect(), expected);
    await links.unpersist();
  });

  it('reports the top pages in rank order', async () => {
    const expected = referencePageRank(readLines(data.edges), 10);
    const r = await pageRank(sc, data.edges, { top: 5 });
    const ranked = [...expected].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
    expect(r.pages).toBe(expected.size);
    expect(r.top.map(([p]) => p)).toEqual(ranked.map(([p]) => p));
    r.top.forEach(([, rank], i) => expect(Math.abs(rank - ranked[i]![1])).toBeLessThanOrEqual(1e-9));
  });
});
