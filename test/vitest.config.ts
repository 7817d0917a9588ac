import { defineConfig } from 'vitest/config';
import { flintAliases } from '../vitest.shared.ts';

export default defineConfig({
  resolve: { alias: flintAliases },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Every cluster test starts several processes: one file at a time keeps a small machine responsive.
    fileParallelism: false,
    globalSetup: ['./vitest.global-setup.ts'],
  },
});
