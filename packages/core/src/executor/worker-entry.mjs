// Entry of executor worker threads when Flint runs from TypeScript sources:
// registers the TypeScript loader in this thread, then starts the thread's main module.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
