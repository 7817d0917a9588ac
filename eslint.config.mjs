// The workspace lint: a small rule set that catches real bugs and keeps two
// seams — environment variables are read only in each package's env.ts, and no
// package reaches into another's source or into an app. `pnpm lint` runs it;
// the test command (tooling/ci/test-all.mjs) runs it as its "lint" step.
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const sources = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];

export default [
  {
    ignores: ['**/node_modules/**', '**/generated/**', '**/.next/**', '**/next-env.d.ts', '**/dist/**', '**/.turbo/**'],
  },
  {
    files: sources,
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 'latest',
      sourceType: 'module',
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'warn' },
    rules: {
      // Mistakes the compiler lets through.
      'no-compare-neg-zero': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'no-constant-binary-expression': 'error',
      'no-debugger': 'error',
      'no-dupe-else-if': 'error',
      'no-duplicate-case': 'error',
      'no-self-assign': 'error',
      'no-sparse-arrays': 'error',
      'no-unsafe-finally': 'error',
      'no-unsafe-negation': 'error',
      'no-async-promise-executor': 'error',
      'no-loss-of-precision': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      '@typescript-eslint/no-unsafe-declaration-merging': 'error',
      '@typescript-eslint/no-duplicate-enum-values': 'error',
      // One public door per package, and no package imports an app.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^@flint/[^/]+/src(/|$)', message: "Import the package by its name (its index.ts or a named entry in its package.json#exports), never another package's src/." },
          ],
        },
      ],
      // Environment variables are read in env.ts only (validated once, in one place).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read environment variables in this package\'s env.ts (validated once) and pass the values in.' },
      ],
    },
  },
  {
    // The UI's hooks: a hook called conditionally is a real bug; missing effect dependencies are shown, not fatal.
    files: ['apps/ui/**/*.ts', 'apps/ui/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    // Where reading the environment is the point: env.ts files, tests and their helpers, and tooling.
    files: ['**/env.ts', '**/*.test.ts', '**/*.test.tsx', 'test/**', '**/testing/**', 'tooling/**', '**/scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
];
