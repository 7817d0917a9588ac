import { loadTransport, silentTransportLogger } from '@flint/core';
const name = process.argv[2] ?? 'tcp';
const N = Number(process.argv[3] ?? 400_000);
const t = await loadTransport(name, { logger: silentTransportLogger });
const server = await t.listen({ onRequest: (_k, b) => b });
const conn = await t.connect(server.address);
const body = Buffer.alloc(64, 1);
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    let issued = 0, done = 0;
    const next = () => { if (issued >= N) return; issued++; conn.request('echo', body).then(() => { if (++done === N) resolve(); else next(); }, reject); };
    for (let i = 0; i < 256; i++) next();
  });
  console.log(name, 'rpc/s', Math.round(N / ((performance.now() - t0) / 1000)));
}
await t.close();
