/** Serves the UI fixture until killed: `tsx src/ui/serve-fixture.ts [tasks]` (for looking at the pages by hand). */
import { startUiFixture } from './ui-fixture.ts';

const tasks = Number(process.argv[2] ?? 24);
const f = await startUiFixture({ tasks, secret: process.env.FLINT_SECRET });
console.log(`UI fixture with ${tasks} tasks per stage at ${f.url}`);
