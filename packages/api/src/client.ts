/**
 * The typed client for Node scripts, tests and the CLI. Queries and mutations
 * go through one batched HTTP link; subscriptions through server-sent events
 * (the `eventsource` package, since Node 20 has no EventSource of its own),
 * which reconnect by themselves and resume from the last event seen.
 */
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import type { AppRouter } from './root.ts';

export interface FlintClientOptions {
  /** The master's UI/API address as it prints it (`http://127.0.0.1:PORT`), or the full `…/api/trpc` URL. */
  url: string;
  /** The cluster secret, sent as a bearer token; needed when the master has one. */
  secret?: string;
}

export type FlintClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/** A typed client of the master's API (or `flint history`'s). */
export function createFlintClient(opts: FlintClientOptions): FlintClient {
  let base: URL;
  try {
    base = new URL(opts.url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(opts.url)}; give the address the master prints, e.g. http://127.0.0.1:8080`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`the API is served over http(s), not ${base.protocol} (${opts.url}); flint:// is the cluster port, use the UI/API address the master prints`);
  }
  const path = base.pathname.replace(/\/+$/, '');
  const url = `${base.origin}${path.endsWith('/api/trpc') ? path : `${path}/api/trpc`}`;
  const auth: Record<string, string> = opts.secret ? { authorization: `Bearer ${opts.secret}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          transformer: superjson,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...auth } }),
          }),
        }),
        false: httpBatchLink({ url, transformer: superjson, headers: () => auth }),
      }),
    ],
  });
}
