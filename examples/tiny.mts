import { FlintContext } from '@flint/core';
const sc = await FlintContext.create({ master: 'local[2]', progress: false });
await sc.parallelize([1, 2], 2).count();
for (let r = 0; r < 2; r++) {
const t = performance.now();
const n = await sc.parallelize(Array.from({ length: 10000 }, (_, i) => i), 10000).count();
const s = (performance.now() - t) / 1000;
console.log(n, s.toFixed(2) + 's', (10000 / s).toFixed(0), 'tasks/s');
}
await sc.stop();
