/** @flint/ui — the web UI (a Next.js app). Its logic, for tests and tools: */
export * from './lib/format.ts';
export * from './lib/flags.ts';
export * from './lib/timeline-view.ts';
