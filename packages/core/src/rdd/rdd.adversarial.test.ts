/**
 * Adversarial property tests (issue 13): values of every carried type through collect, a shuffle
 * and a spill, and by-key operations over keys of mixed types against a plain-JS model that keys
 * by type and value (testing/plain.ts canon, independent of the engine's key code). The shuffle
 * context has a 16 KiB budget, so its sorts and groupings spill. The checks live in
 * testing/adversarial.ts, shared with the local-cluster version (test/src/issue13-adversarial.test.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { FlintContext } from '../context.ts';
import { checkCarriedValues, checkMixedKeys, checkSortOrder } from '../testing/adversarial.ts';
import { asArrives, carried, mixedKey, withInstances } from '../testing/values.ts';

let sc: FlintContext;
let small: FlintContext;

beforeAll(async () => {
  sc = await FlintContext.create({ master: 'local[2]', appName: 'adversarial', progress: false });
  small = await FlintContext.create({ master: 'local[2]', appName: 'adversarial-spill', progress: false, conf: { 'flint.shuffle.memoryBudget': 16 << 10 } });
});

afterAll(async () => {
  await sc?.stop();
  await small?.stop();
});

describe('carried values', () => {
  test('property: collect, a shuffle and a spilling sort return every value with its type and value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(carried, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (values, slices) => checkCarriedValues(sc, small, values, slices)),
      { numRuns: 40 },
    );
  });

  test('property: instances of user classes (holding -0 and lone surrogates) arrive as plain objects of their fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(withInstances, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (values, slices) => checkCarriedValues(sc, small, values, slices, asArrives)),
      { numRuns: 30 },
    );
  });
});

describe('keys of mixed types', () => {
  test('property: distinct, reduceByKey, groupByKey and countByKey against a model keyed by type and value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(mixedKey, fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (pairs, slices) => checkMixedKeys(sc, pairs, slices)),
      { numRuns: 40 },
    );
  });

  test('property: sortByKey puts equal keys together in one total order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mixedKey, { minLength: 1, maxLength: 40 }), (keys) => checkSortOrder(sc, keys)),
      { numRuns: 40 },
    );
  });
});
