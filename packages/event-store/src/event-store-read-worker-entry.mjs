// Entry of the event store's read thread when Flint runs from TypeScript sources:
// registers the TypeScript loader in this thread, then starts the reader module.
import { register } from 'tsx/esm/api';

register();
await import('./event-store-read-worker.ts');
