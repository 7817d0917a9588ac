/**
 * Renders the settings table (settings-schema.ts) as Markdown: docs/settings.md
 * is this text, checked by a test so the doc cannot drift from the schema.
 */
import { FLINT_SETTINGS, type SettingScope } from './settings-schema.ts';

const SCOPE_TITLE: Record<SettingScope, string> = {
  driver: 'Application (read by the driver)',
  executor: 'Executors (read by every executor of the application)',
  master: "Master (the master's own conf)",
};

const UNIT_DOC = { count: 'integer', bytes: 'size', ms: 'time', boolean: 'boolean', text: 'string', port: 'port' } as const;

/** The Markdown text of docs/settings.md. */
export function settingsDoc(): string {
  const lines = [
    '# Settings',
    '',
    '<!-- Generated from packages/core/src/settings-schema.ts by `pnpm --filter @flint/core settings-doc`; do not edit. -->',
    '',
    "Pass them as `conf` to `FlintContext.create` (an application's), or to the master. A size is a",
    'number of bytes or a string like `64m`, `1g`; a time is a number of milliseconds or a string',
    'like `50ms`, `3s`, `2min`; any value may also be given as a string (`"4"`, `"true"`). A bad value',
    'is an error naming the key; an unknown `flint.*` key is a warning naming the closest known one.',
  ];
  for (const scope of ['driver', 'executor', 'master'] as const) {
    lines.push('', `## ${SCOPE_TITLE[scope]}`, '', '| key | type | default | meaning |', '| --- | --- | --- | --- |');
    for (const s of Object.values(FLINT_SETTINGS)) {
      if (s.scope !== scope) continue;
      lines.push(`| \`${s.key}\` | ${UNIT_DOC[s.unit]} | ${s.defaultDoc} | ${s.doc} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
