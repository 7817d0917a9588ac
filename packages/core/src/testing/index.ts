/**
 * Test support shared by core's unit suites and the cross-process suites in test/ (the internal
 * entry `@flint/core/testing`): value generators (fast-check), plain-JS reference computations, and
 * the adversarial checks that run the same properties on any master.
 */
export * from './adversarial.ts';
export * from './plain.ts';
export * from './values.ts';
