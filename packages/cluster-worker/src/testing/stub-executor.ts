/**
 * A stand-in executor process for tests of workers and clusters: prints what
 * it was started with, then sleeps. FLINT_EXECUTOR_CONF may hold
 * `stub.exitAfterMs` and `stub.exitCode` (exit on its own), and
 * `stub.ignoreSigterm` (only SIGKILL ends it). Prints the launch line of its
 * stdin, and exits when its stdin closes,
 * which happens when the worker that started it dies. Writes a `started`
 * file in its work dir once its signal handlers are in place.
 */
import fs from 'node:fs';

const conf = JSON.parse(process.env.FLINT_EXECUTOR_CONF ?? '{}') as Record<string, unknown>;
const id = `${process.env.FLINT_APP_ID}/${process.env.FLINT_EXECUTOR_ID}`;
const flint = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('FLINT_')));

const keepAlive = setInterval(() => process.stdout.write(`stub executor ${id} alive\n`), 1_000);
if (conf['stub.ignoreSigterm'] === true) {
  process.on('SIGTERM', () => process.stdout.write('ignoring SIGTERM\n'));
} else {
  process.on('SIGTERM', () => {
    process.stdout.write('SIGTERM: exiting\n');
    clearInterval(keepAlive);
    process.exit(0);
  });
}
// The worker's launch pipe: a first line with the secret, then open until the worker is gone.
let head = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (head.includes('\n')) return;
  head += chunk;
  if (head.includes('\n')) process.stdout.write(`launch line ${head.slice(0, head.indexOf('\n'))}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
if (typeof conf['stub.exitAfterMs'] === 'number') {
  const code = typeof conf['stub.exitCode'] === 'number' ? conf['stub.exitCode'] : 0;
  setTimeout(() => process.exit(code), conf['stub.exitAfterMs']);
}

process.stdout.write(`stub executor ${id} started as pid ${process.pid} in ${process.cwd()}\n`);
process.stdout.write(`env ${JSON.stringify(flint)}\n`);
process.stderr.write(`stub executor ${id} writes to stderr too\n`);
fs.writeFileSync('started', String(process.pid));
