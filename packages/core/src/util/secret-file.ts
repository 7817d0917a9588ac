/**
 * The cluster secret read from a file (FLINT_SECRET_FILE) instead of an
 * environment variable: a file of mode 0600 is readable by its owner alone,
 * where a process's environment is handed on to every child it starts. A
 * file that its group or others may read is refused.
 */
import fs from 'node:fs';
import { FlintError, FlintErrorCode } from '../errors.ts';

/** The secret in `file` (its first line); throws naming the file and the fix when it cannot be used. */
export function readSecretFile(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new FlintError(FlintErrorCode.CONFIG, `cannot read the secret file ${file} (FLINT_SECRET_FILE): ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new FlintError(FlintErrorCode.CONFIG, `the secret file ${file} (FLINT_SECRET_FILE) is not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    throw new FlintError(FlintErrorCode.CONFIG, `the secret file ${file} (FLINT_SECRET_FILE) may be read by other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  }
  const secret = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
  if (secret === '') throw new FlintError(FlintErrorCode.CONFIG, `the secret file ${file} (FLINT_SECRET_FILE) is empty`);
  return secret;
}

/** Writes `secret` to a new file of mode 0600 (for a process started with FLINT_SECRET_FILE). */
export function writeSecretFile(file: string, secret: string): void {
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  fs.chmodSync(file, 0o600);
}
