// Entry of the event log's writer thread when Flint runs from TypeScript sources:
// registers the TypeScript loader in this thread, then starts the writer module.
import { register } from 'tsx/esm/api';

register();
await import('./event-log-worker.ts');
