/**
 * A transport server in its own process, for conformance tests that kill,
 * freeze or measure the server side: `node --import tsx conformance-child.ts
 * <transport-name> <options-json>`. Prints `{"port":N}` once listening; exits
 * when its stdin closes, so it never outlives the test that started it.
 */
import { patternBlock } from './conformance-pattern.ts';
import { loadTransport } from './transport-registry.ts';
import type { TransportOptions } from './transport-options.ts';

const [name, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson ?? '{}') as TransportOptions;
const transport = await loadTransport(name, options);

const baseRss = process.memoryUsage.rss();
let peakRss = baseRss;
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20).unref();

let notes = 0;
const server = await transport.listen({
  onMessage(kind) {
    if (kind === 'note') notes++;
  },
  onRequest(kind, body) {
    if (kind === 'echo') return body;
    if (kind === 'notes') return Buffer.from(String(notes));
    if (kind === 'stats') return Buffer.from(JSON.stringify({ baseRss, peakRss }));
    throw new Error(`unknown request ${kind}`);
  },
  onStream(kind, body) {
    if (kind === 'pattern') return patternBlock(Number(Buffer.from(body).toString('utf8')));
    if (kind === 'endless') return patternBlock(Infinity, { everyChunks: 8 });
    throw new Error(`unknown stream ${kind}`);
  },
});

process.stdout.write(JSON.stringify({ port: server.address.port }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
