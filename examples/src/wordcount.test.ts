import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { tinyData, readLines, type TestData } from './test-data.ts';
import { wordCount, wordCounts } from './wordcount.ts';

/** The same word count in plain JS. */
function referenceCounts(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readLines(dir)) {
    for (const w of line.toLowerCase().split(/[^a-z]+/)) {
      if (w.length > 0) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return counts;
}

const byWord = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

let sc: FlintContext;
let data: TestData;
let expected: Map<string, number>;

beforeAll(async () => {
  data = tinyData(['corpus']);
  expected = referenceCounts(data.corpus);
  sc = await FlintContext.create({ master: 'local[2]', appName: 'wordcount-test' });
});

afterAll(async () => {
  await sc?.stop();
  data?.remove();
});

describe('word count', () => {
  it('counts every word exactly as plain JS does', async () => {
    const got = await wordCounts(sc, data.corpus).collect();
    expect(got.length).toBe(expected.size);
    expect(got.sort(byWord)).toEqual([...expected.entries()].sort(byWord));
  });

  it('gives the same counts when the files are cut into more splits than files', async () => {
    const rdd = wordCounts(sc, data.corpus, 7);
    const got = await rdd.collect();
    expect(got.sort(byWord)).toEqual([...expected.entries()].sort(byWord));
  });

  it('returns the top words, the number of distinct words and the total', async () => {
    const r = await wordCount(sc, data.corpus, 10);
    const ranked = [...expected.entries()].sort((a, b) => b[1] - a[1] || byWord(a, b));
    expect(r.top).toEqual(ranked.slice(0, 10));
    expect(r.distinct).toBe(expected.size);
    expect(r.total).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    expect(r.top[0]![0]).toBe('the');
  });
});
