import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSecretFile, writeSecretFile } from './secret-file.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-secret-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('secret files', () => {
  it('round-trips a secret through a 0600 file', () => {
    const f = path.join(dir, 's');
    writeSecretFile(f, 'the-secret');
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    expect(readSecretFile(f)).toBe('the-secret');
  });

  it('refuses a file others may read, a missing file and an empty one, naming the file and the fix', () => {
    const open = path.join(dir, 'open');
    fs.writeFileSync(open, 'x\n', { mode: 0o644 });
    fs.chmodSync(open, 0o644);
    expect(() => readSecretFile(open)).toThrow(/chmod 600/);
    expect(() => readSecretFile(path.join(dir, 'missing'))).toThrow(/FLINT_SECRET_FILE/);
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '', { mode: 0o600 });
    expect(() => readSecretFile(empty)).toThrow(/is empty/);
  });
});
