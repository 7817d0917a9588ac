/**
 * Issue 13's adversarial property suite across processes: the checks and generators of core's
 * unit suite rdd.adversarial (shared through @flint/core/testing) run on local-cluster[2,1], where
 * every task runs in an executor process and every value crosses a process boundary on its way.
 * Values of every carried type (and instances of user classes) through collect, a shuffle and a
 * spilling sort; by-key operations over keys of mixed types against the model keyed by type and
 * value; sortByKey's total order. The context's shuffle budget is 16 KiB, so sorts and groupings
 * spill on the executors. Sized to run in about a minute; FLINT_ADVERSARIAL_RUNS scales the number
 * of runs of every property.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FlintContext } from '@flint/core';
import { asArrives, carried, checkCarriedValues, checkMixedKeys, checkSortOrder, mixedKey, withInstances } from '@flint/core/testing';

const scale = Number(process.env.FLINT_ADVERSARIAL_RUNS ?? 1);
const runs = (n: number): number => Math.max(1, Math.round(n * scale));

let sc: FlintContext;

beforeAll(async () => {
  sc = await FlintContext.create({
    master: 'local-cluster[2,1]',
    appName: 'issue13-adversarial',
    progress: false,
    conf: { 'flint.shuffle.memoryBudget': 16 << 10, 'flint.task.maxFailures': 1 },
  });
}, 120_000);

afterAll(async () => {
  await sc?.stop();
}, 60_000);

describe('issue 13 adversarial suites on local-cluster[2,1]', () => {
  it('property: collect, a shuffle and a spilling sort return every carried value with its type and value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(carried, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (values, slices) => checkCarriedValues(sc, sc, values, slices)),
      { numRuns: runs(100) },
    );
  }, 300_000);

  it('property: instances of user classes (holding -0 and lone surrogates) arrive as plain objects of their fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(withInstances, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (values, slices) => checkCarriedValues(sc, sc, values, slices, asArrives)),
      { numRuns: runs(50) },
    );
  }, 300_000);

  it('property: distinct, reduceByKey, groupByKey and countByKey over keys of mixed types against the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(mixedKey, fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (pairs, slices) => checkMixedKeys(sc, pairs, slices)),
      { numRuns: runs(80) },
    );
  }, 300_000);

  it('property: sortByKey puts equal keys together in one total order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mixedKey, { minLength: 1, maxLength: 40 }), (keys) => checkSortOrder(sc, keys)),
      { numRuns: runs(80) },
    );
  }, 300_000);

});
