import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { flintAliases } from '../../vitest.shared.ts';

const core = fileURLToPath(new URL('../core/', import.meta.url));

export default defineConfig({
  resolve: {
    // The conformance entry first: the bare '@flint/core' alias would otherwise swallow the subpath.
    alias: [
      { find: '@flint/core/transport-conformance', replacement: `${core}src/transport/conformance.ts` },
      ...Object.entries(flintAliases).map(([find, replacement]) => ({ find, replacement })),
    ],
  },
  test: { testTimeout: 60_000, hookTimeout: 60_000, passWithNoTests: true },
});
