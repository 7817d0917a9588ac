import path from 'node:path';
import type { NextConfig } from 'next';

/**
 * The UI is served by the master (apps/master's ui handler loads this build
 * with `next({ dev: false, dir })`), on the same origin as the API: no
 * rewrites, no standalone output, nothing fetched at build time.
 */
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The master's HTTP server compresses nothing and streams events itself.
  compress: false,
  turbopack: { root: path.resolve(import.meta.dirname, '../..') },
};

export default config;
