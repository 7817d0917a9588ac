/**
 * Serves the web UI (apps/ui's Next.js production build) from the master's
 * HTTP server, on the same origin as the API.
 *
 * Next is resolved from the UI's own directory at run time, so the master
 * does not depend on the UI package: a master without a built UI still runs
 * and says how to build it. Only the CLI loads this (`flint master`,
 * `local-cluster`, `demo`, `history`); Masters made in unit tests serve no UI.
 *
 * Owns: the Next server instance (prepared once, closed by `close()`). Does
 * not own: authentication (the API's HTTP handler checks the secret before it
 * hands a request here, except for the paths `isPublicPath` names).
 */
import fs from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareNextEnv, readCliEnv } from './env.ts';

export interface UiHandler {
  /** The request handler for every path the API does not serve. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** Paths served without the secret: the login page and the build's static assets (no data in either). */
  isPublicPath(pathname: string): boolean;
  /** The UI directory served. */
  readonly dir: string;
  close(): Promise<void>;
}

/** Why no UI is served (the master runs on with the API only). */
export class UiUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UiUnavailableError';
  }
}

/** apps/ui beside this app, or FLINT_UI_DIR. */
export function defaultUiDir(): string {
  return readCliEnv().FLINT_UI_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/ui');
}

const PUBLIC_PREFIXES = ['/_next/static/', '/_next/image'];
const PUBLIC_EXACT = new Set(['/login', '/favicon.ico', '/robots.txt']);

export function isPublicUiPath(pathname: string): boolean {
  return PUBLIC_EXACT.has(pathname) || PUBLIC_PREFIXES.some((p) => pathname.startsWith(p));
}

interface NextServer {
  prepare(): Promise<void>;
  getRequestHandler(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  close(): Promise<void>;
}
const prepared = new Map<string, Promise<{ app: NextServer; handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> }>>();

type NextFactory = (opts: { dev: boolean; dir: string; quiet?: boolean; customServer?: boolean }) => NextServer;

/**
 * Loads the production build in `dir` (default `defaultUiDir()`). Rejects
 * with UiUnavailableError naming the fix when the build or Next is missing.
 */
export async function loadUiHandler(dir = defaultUiDir()): Promise<UiHandler> {
  const buildId = path.join(dir, '.next', 'BUILD_ID');
  if (!fs.existsSync(buildId)) {
    throw new UiUnavailableError(`the web UI is not built (no ${buildId}): run \`pnpm build\` (or \`pnpm --filter @flint/ui build\`) once, then restart`);
  }
  let next: NextFactory;
  try {
    const req = createRequire(path.join(dir, 'package.json'));
    next = req('next') as NextFactory;
  } catch (err) {
    throw new UiUnavailableError(`cannot load Next.js from ${dir} (${(err as Error).message}): run \`pnpm install\` in the repository`);
  }
  // One prepared Next server per directory and process: a second instance in
  // the same process (a test that stops one server and starts another) shares
  // Next's process-wide state with the first and fails its requests.
  let shared = prepared.get(dir);
  if (!shared) {
    prepareNextEnv();
    const app = next({ dev: false, dir, quiet: true, customServer: true });
    shared = app.prepare().then(() => ({ app, handler: app.getRequestHandler() }));
    prepared.set(dir, shared);
    shared.catch(() => prepared.delete(dir));
  }
  const { handler } = await shared;
  let closed = false;
  return {
    dir,
    isPublicPath: isPublicUiPath,
    handle: async (req, res) => {
      if (closed) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('the web UI has been stopped');
        return;
      }
      await handler(req, res);
    },
    /** Stops this handler; the prepared Next server stays for the process's next handler (it holds no socket). */
    close: async () => {
      closed = true;
    },
  };
}

/**
 * For the CLI: the UI's handler options for a master or history server, or
 * none (with one line on stderr saying why and how to fix it) when the UI is
 * not built. FLINT_WEB_UI=off serves the API alone.
 */
export async function loadUiForCli(): Promise<{ ui: UiHandler['handle']; isPublicUiPath: UiHandler['isPublicPath'] } | Record<string, never>> {
  if (readCliEnv().FLINT_WEB_UI === 'off') return {};
  try {
    const h = await loadUiHandler();
    return { ui: (req, res) => h.handle(req, res), isPublicUiPath: h.isPublicPath };
  } catch (err) {
    if (!(err instanceof UiUnavailableError)) throw err;
    process.stderr.write(`flint: serving the API without the web UI: ${err.message}\n`);
    return {};
  }
}
