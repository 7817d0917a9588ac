/**
 * The HTTP front of the API: one origin for `/api/trpc/*`, `/api/login`,
 * `/api/logout`, `/healthz`, the daemon's extra routes (`/metrics`) and the
 * UI. Owns authentication and the security headers; knows nothing of where
 * the data comes from (a `FlintQueries`) or what the UI is (a handler).
 *
 * Rules:
 * - With a secret configured, every request must carry it — `Authorization:
 *   Bearer <secret>` or the HTTP-only cookie `POST /api/login` sets — or it
 *   gets 401 and nothing else. Exempt: `POST /api/login` itself and the UI
 *   paths the UI declares public (its login page and assets).
 * - Without a secret the server binds only to loopback (`listenFlintHttp`
 *   refuses anything else), and mutating procedures answer only loopback
 *   callers.
 * - Every response carries a Content-Security-Policy and the usual
 *   hardening headers. Bodies over `maxBodyBytes` are refused with 413, bad
 *   input with tRPC validation errors; no request can take the daemon down.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { FlintQueries } from './queries.ts';
import { appRouter } from './root.ts';
import type { ApiContext } from './trpc.ts';

export type HttpRoute = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface FlintHttpOptions {
  queries: FlintQueries;
  /** The cluster secret; null or '' for none (then only loopback may bind). */
  secret?: string | null;
  /** Exact paths served after authentication, e.g. `{ '/metrics': … }`. */
  routes?: Record<string, HttpRoute>;
  /** Everything else: the web UI. When absent, a small 404 page. */
  ui?: HttpRoute | null;
  /** UI paths served without the secret (the login page and its assets). */
  isPublicUiPath?: (pathname: string) => boolean;
  /** Largest request body accepted, default 1 MiB. */
  maxBodyBytes?: number;
  /** Overrides the default Content-Security-Policy (the UI may need its own). */
  contentSecurityPolicy?: string;
}

export const SESSION_COOKIE = 'flint_session';
const DEFAULT_MAX_BODY = 1 << 20;
/** Same-origin only; inline styles and scripts for the UI's framework, no frames, no plugins. */
export const DEFAULT_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** Whether `host` is a loopback address or name. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h.startsWith('::ffff:127.');
}

/** The request handler: use it with any `http.Server` (`listenFlintHttp` makes one). */
export function createFlintHttpHandler(opts: FlintHttpOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const secret = opts.secret ? opts.secret : null;
  const session = secret ? sessionToken(secret) : null;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const csp = opts.contentSecurityPolicy ?? DEFAULT_CSP;
  const routes = opts.routes ?? {};

  const authenticated = (req: http.IncomingMessage): boolean => {
    if (!secret) return false;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), secret)) return true;
    const cookie = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    return cookie !== undefined && session !== null && safeEqual(cookie, session);
  };

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/api/trpc/',
    maxBodySize: maxBody,
    maxBatchSize: 50,
    createContext: ({ req }): ApiContext => ({
      queries: opts.queries,
      secretConfigured: secret !== null,
      caller: { authenticated: authenticated(req), loopback: isLoopbackHost(req.socket.remoteAddress ?? '') },
    }),
  });

  return (req, res) => {
    setSecurityHeaders(res, csp);
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      return json(res, 400, { error: 'malformed request URL' });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > maxBody) {
      res.setHeader('connection', 'close');
      return json(res, 413, { error: `request body of ${declared} bytes is over the limit of ${maxBody}` });
    }
    if (pathname === '/api/login') return void login(req, res, secret, session, maxBody);
    if (pathname === '/api/logout') {
      res.setHeader('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return json(res, 200, { ok: true });
    }
    if (secret && !authenticated(req) && !(opts.isPublicUiPath?.(pathname) && !pathname.startsWith('/api/') && !(pathname in routes))) {
      res.setHeader('www-authenticate', 'Bearer realm="flint"');
      return json(res, 401, { error: 'this Flint master needs the cluster secret: send Authorization: Bearer <secret>, or log in' });
    }
    // Without a secret, a page elsewhere could reach this loopback port through the browser: a host
    // name that is not loopback (DNS rebinding) or a cross-origin write (CSRF) is refused.
    if (!secret && !isLoopbackHost(hostName(req.headers.host))) {
      return json(res, 403, { error: 'without a cluster secret this server answers only requests addressed to 127.0.0.1 or localhost' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req)) {
      return json(res, 403, { error: 'cross-origin request refused' });
    }
    if (pathname === '/api/trpc' || pathname.startsWith('/api/trpc/')) {
      if (pathname.startsWith('/api/trpc/') && pathname.includes('/events.live')) {
        // Proxies and compression must not buffer the event stream.
        res.setHeader('cache-control', 'no-cache, no-transform');
        res.setHeader('x-accel-buffering', 'no');
      }
      return trpc(req, res);
    }
    if (pathname === '/healthz') return json(res, 200, { ok: true, mode: opts.queries.mode });
    const route = routes[pathname];
    if (route) return runRoute(route, req, res);
    if (pathname.startsWith('/api/')) return json(res, 404, { error: `no API at ${pathname}; the API is under /api/trpc` });
    if (opts.ui) return runRoute(opts.ui, req, res);
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Flint</title><h1>Not found</h1><p>No web UI is served here. The API is under <code>/api/trpc</code>, metrics at <a href="/metrics">/metrics</a>.</p>');
  };
}

export interface FlintHttpServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the handler on host:port. Refuses to bind beyond loopback without a
 * secret: anyone who reaches the port could read every log and kill every job.
 */
export async function listenFlintHttp(host: string, port: number, opts: FlintHttpOptions): Promise<FlintHttpServer> {
  if (!opts.secret && !isLoopbackHost(host)) {
    throw new Error(`refusing to serve the API on ${host} without a cluster secret: set FLINT_SECRET (or --secret), or bind the UI to 127.0.0.1`);
  }
  const server = http.createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, createFlintHttpHandler(opts));
  // Idle keep-alive sockets outlive the clients' (undici keeps them 4 s): the server never closes one a client is reusing.
  server.keepAliveTimeout = 65_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot serve the API on ${host}:${port}: ${err.message}${err.code === 'EADDRINUSE' ? ' (choose another --ui-port, or 0 for any free port)' : ''}`, { cause: err });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port: bound,
    url: `http://${shown}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function runRoute(route: HttpRoute, req: http.IncomingMessage, res: http.ServerResponse): void {
  Promise.resolve()
    .then(() => route(req, res))
    .catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { error: err.message });
      else res.destroy();
    });
}

async function login(req: http.IncomingMessage, res: http.ServerResponse, secret: string | null, session: string | null, maxBody: number): Promise<void> {
  if (req.method !== 'POST') return json(res, 405, { error: 'log in with POST /api/login and a body {"secret": "…"}' });
  if (!secret || !session) return json(res, 400, { error: 'this server has no cluster secret: no login is needed' });
  if (!sameOrigin(req)) return json(res, 403, { error: 'cross-origin login refused' });
  let body: string;
  try {
    body = await readBody(req, maxBody);
  } catch (err) {
    return json(res, 413, { error: (err as Error).message });
  }
  const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  let given: unknown;
  try {
    given = form ? new URLSearchParams(body).get('secret') : (JSON.parse(body) as { secret?: unknown }).secret;
  } catch {
    return json(res, 400, { error: 'send {"secret": "…"} as JSON, or a form with a secret field' });
  }
  if (typeof given !== 'string' || !safeEqual(given, secret)) return json(res, 401, { error: 'wrong cluster secret' });
  res.setHeader('set-cookie', `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`);
  if (form) {
    res.writeHead(303, { location: '/' }).end();
    return;
  }
  json(res, 200, { ok: true });
}

/** The cookie value: derived from the secret (so no state is kept), never the secret itself. */
function sessionToken(secret: string): string {
  return createHmac('sha256', secret).update('flint-ui-session-v1').digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A request from a browser carries Origin on POSTs; it must be this host. Scripts send none. */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The host name of a Host header (without port; IPv6 brackets removed). */
function hostName(host: string | undefined): string {
  if (!host) return '';
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  return m ? m[1] : host.replace(/:\d+$/, '');
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new Error(`request body over the limit of ${max} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function setSecurityHeaders(res: http.ServerResponse, csp: string): void {
  res.setHeader('content-security-policy', csp);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}
