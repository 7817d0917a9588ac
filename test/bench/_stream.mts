import { loadTransport, silentTransportLogger } from '@flint/core';
const t = await loadTransport(process.argv[2] ?? 'tcp', { logger: silentTransportLogger });
const tpl = Array.from({ length: 4 }, (_, i) => Buffer.alloc(65536, i));
const server = await t.listen({ async *onStream(_k, b) { let left = Number(Buffer.from(b).toString()); for (let i = 0; left > 0; i++) { const n = Math.min(65536, left); yield tpl[i & 3].subarray(0, n); left -= n; } } });
const conn = await t.connect(server.address);
for (let r = 0; r < 3; r++) {
  const t0 = performance.now(); let got = 0; const total = 1024 * 1024 * 1024;
  for await (const c of conn.stream('b', Buffer.from(String(total)))) got += c.byteLength;
  console.log(process.argv[2], 'MB/s', Math.round(total / 1e6 / ((performance.now() - t0) / 1000)), got === total);
}
await t.close();
