import { defineConfig } from 'vitest/config';
import { flintAliases } from '../../vitest.shared.ts';

export default defineConfig({
  resolve: { alias: flintAliases },
  // Core's tests create many local contexts: they keep no event log (its own tests are in @flint/event-store).
  test: { testTimeout: 60_000, hookTimeout: 60_000, passWithNoTests: true, env: { FLINT_EVENT_LOG_ENABLED: 'false' } },
});
