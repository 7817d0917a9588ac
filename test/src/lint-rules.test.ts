/**
 * The workspace lint's own rules (eslint.config.mjs), run through ESLint's API on
 * small sources at chosen paths: environment variables only in env.ts (and tests,
 * test helpers, tooling), no import of another package's src/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

async function ruleIds(code: string, file: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (r?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('workspace lint', () => {
  const readsEnv = 'export const m = process.env.FLINT_MASTER;\n';

  test('process.env is refused outside env.ts, in packages, apps, examples and bench', async () => {
    for (const file of ['packages/core/src/context-x.ts', 'apps/master/src/cli-x.ts', 'apps/ui/src/lib/x.tsx', 'examples/src/x.ts', 'bench/src/x.ts']) {
      expect(await ruleIds(readsEnv, file), file).toEqual(['no-restricted-properties']);
    }
    expect(await ruleIds('const { env } = process;\nexport const m = env.X;\n', 'packages/core/src/y.ts')).toEqual(['no-restricted-properties']);
  });

  test('process.env is allowed in env.ts, tests, test helpers and tooling', async () => {
    for (const file of ['packages/core/src/env.ts', 'apps/worker/src/env.ts', 'packages/core/src/conf.test.ts', 'test/src/ui/browser.ts', 'apps/worker/src/testing/stub.ts', 'packages/core/scripts/x.ts']) {
      expect(await ruleIds(readsEnv, file), file).toEqual([]);
    }
  });

  test("importing another package's src/ is refused; its name and named entries are not", async () => {
    expect(await ruleIds("import { x } from '@flint/core/src/conf.ts';\nexport { x };\n", 'packages/scheduler/src/x.ts')).toEqual(['no-restricted-imports']);
    expect(await ruleIds("import { x } from '@flint/core';\nimport { y } from '@flint/core/internal';\nexport { x, y };\n", 'packages/scheduler/src/x.ts')).toEqual([]);
  });

  test('a bug the compiler lets through is reported', async () => {
    expect(await ruleIds('export const f = (x: number) => x === -0;\n', 'packages/core/src/x.ts')).toEqual(['no-compare-neg-zero']);
    expect(await ruleIds('export function g(x: number): number {\n  try {\n    return x;\n  } finally {\n    return 0;\n  }\n}\n', 'packages/core/src/x.ts')).toEqual(['no-unsafe-finally']);
  });
});
