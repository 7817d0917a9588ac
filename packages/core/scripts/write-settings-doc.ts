// Writes docs/settings.md from the settings table.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsDoc } from '../src/settings-doc.ts';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/settings.md');
fs.writeFileSync(out, settingsDoc());
console.log(`wrote ${out}`);
