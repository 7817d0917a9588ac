import { defineConfig } from 'vitest/config';
import { flintAliases } from '../../vitest.shared.ts';

export default defineConfig({
  resolve: { alias: flintAliases },
  test: { testTimeout: 60_000, hookTimeout: 60_000, passWithNoTests: true, globalSetup: ['./vitest.global-setup.ts'] },
});
