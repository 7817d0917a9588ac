/**
 * Join: revenue per country from two CSV files,
 *
 *   customers.csv  customer_id,name,country
 *   orders.csv     order_id,customer_id,amount_cents
 *
 * (each with a header line). Orders are joined to customers on customer_id (an
 * inner join: orders of unknown customers drop out), then revenue and order
 * counts are summed per country.
 *
 *   pnpm --filter @flint/examples exec tsx src/join.ts [--master local[2]] [--input DIR] [--size small|demo] [--top 10]
 *
 * With --input DIR, the files are DIR/customers.csv and DIR/orders.csv.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FlintContext, RDD } from '@flint/core';
import { commonOptions, createContext, formatCount, formatMs, generatedInput, runMain, table, timed } from './common.ts';
import { cliArgs, intFlag } from './cli.ts';

/** (country, [revenue in cents, number of orders]) for every country with at least one matched order. */
export function revenueByCountry(sc: FlintContext, customersCsv: string, ordersCsv: string, numPartitions?: number): RDD<[string, [number, number]]> {
  const countryOf = sc
    .textFile(customersCsv)
    .filter((line) => line.length > 0 && !line.startsWith('customer_id,'))
    .map((line): [string, string] => {
      const f = line.split(',');
      return [f[0]!, f[2]!];
    });
  const amounts = sc
    .textFile(ordersCsv)
    .filter((line) => line.length > 0 && !line.startsWith('order_id,'))
    .map((line): [string, number] => {
      const f = line.split(',');
      return [f[1]!, Number(f[2])];
    });
  return amounts
    .join(countryOf, numPartitions)
    .map(([, [cents, country]]): [string, [number, number]] => [country, [cents, 1]])
    .reduceByKey((a, b) => [a[0] + b[0], a[1] + b[1]]);
}

export interface CountryRevenue {
  country: string;
  revenueCents: number;
  orders: number;
}

/** The `top` countries by revenue (descending, then country name ascending). */
export async function topCountries(sc: FlintContext, customersCsv: string, ordersCsv: string, top = 10): Promise<CountryRevenue[]> {
  const rows = await revenueByCountry(sc, customersCsv, ordersCsv).takeOrdered(top, ([country, [cents]]) => [-cents, country]);
  return rows.map(([country, [revenueCents, orders]]) => ({ country, revenueCents, orders }));
}

export function formatDollars(cents: number): string {
  return `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatCountries(rows: CountryRevenue[]): string {
  return table(
    ['rank', 'country', '       revenue', '   orders', ' average'],
    rows.map((r, i) => [i + 1, r.country, formatDollars(r.revenueCents), formatCount(r.orders), formatDollars(Math.round(r.revenueCents / r.orders))]),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: cliArgs(), options: { ...commonOptions, top: { type: 'string', default: '10' } } });
  const files = values.input
    ? { customers: path.join(values.input, 'customers.csv'), orders: path.join(values.input, 'orders.csv') }
    : generatedInput(values, ['join']);
  const sc = await createContext(values, 'join');
  try {
    const [rows, ms] = await timed(() => topCountries(sc, files.customers, files.orders, intFlag('top', values.top)));
    await sc.flushEvents(); // let the progress lines of the job print before the result
    console.log(`Revenue per country (${files.orders} ⋈ ${files.customers}) on ${values.master}: ${formatMs(ms)}`);
    console.log(formatCountries(rows));
  } finally {
    await sc.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runMain('join', main);
