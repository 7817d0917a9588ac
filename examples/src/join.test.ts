import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { revenueByCountry, topCountries } from './join.ts';
import { readLines, tinyData, type TestData } from './test-data.ts';

/** The same inner join and aggregation in plain JS. */
function reference(customersCsv: string, ordersCsv: string) {
  const countryOf = new Map<string, string>();
  for (const line of readLines(customersCsv).slice(1)) {
    const [id, , country] = line.split(',');
    countryOf.set(id!, country!);
  }
  const byCountry = new Map<string, [number, number]>();
  let unmatched = 0;
  for (const line of readLines(ordersCsv).slice(1)) {
    const [, customer, cents] = line.split(',');
    const country = countryOf.get(customer!);
    if (country === undefined) {
      unmatched++;
      continue;
    }
    const acc = byCountry.get(country) ?? [0, 0];
    byCountry.set(country, [acc[0] + Number(cents), acc[1] + 1]);
  }
  return { byCountry, unmatched };
}

let sc: FlintContext;
let data: TestData;

beforeAll(async () => {
  data = tinyData(['join']);
  sc = await FlintContext.create({ master: 'local[2]', appName: 'join-test' });
});

afterAll(async () => {
  await sc?.stop();
  data?.remove();
});

describe('join: revenue per country', () => {
  it('equals the plain-JS join and aggregation exactly', async () => {
    const want = reference(data.customers, data.orders);
    expect(want.unmatched).toBeGreaterThan(0); // the data does exercise the inner join
    const got = await revenueByCountry(sc, data.customers, data.orders).collectAsMap();
    expect(got).toEqual(want.byCountry);
  });

  it('equals it with another number of partitions', async () => {
    const want = reference(data.customers, data.orders);
    const got = await revenueByCountry(sc, data.customers, data.orders, 5).collect();
    expect(new Map(got)).toEqual(want.byCountry);
  });

  it('ranks the countries by revenue', async () => {
    const want = [...reference(data.customers, data.orders).byCountry]
      .sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 5)
      .map(([country, [revenueCents, orders]]) => ({ country, revenueCents, orders }));
    expect(await topCountries(sc, data.customers, data.orders, 5)).toEqual(want);
  });
});
