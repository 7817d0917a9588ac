'use client';
/**
 * The browser's API client: tRPC over one origin (the master's), batched
 * (streamed) queries over HTTP and one server-sent-event subscription per tab. A 401
 * from the API (a secret is set and this browser has not logged in) sends
 * the page to /login once.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchStreamLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import type { AppRouter } from './api-types.ts';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

const API = '/api/trpc';

function goToLogin(): void {
  if (typeof window !== 'undefined' && window.location.pathname !== '/login') {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
}

/** Fetch that notices a 401 (not logged in) before tRPC parses the body. */
const authFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, { ...init, credentials: 'same-origin' });
  if (res.status === 401) goToLogin();
  return res;
};

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live pages refetch when the subscription says something changed, not on a timer.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (count, err) => !(err instanceof TRPCClientError && [401, 403, 404].includes(err.data?.httpStatus)) && count < 2,
        // Keep the previous answer on screen while a refetch runs: no flicker.
        placeholderData: (prev: unknown) => prev,
      },
    },
  });
}

export function ApiProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: API, transformer: superjson, eventSourceOptions: () => ({ withCredentials: true }) }),
          // Streamed batches: each answer arrives when it is ready, so a slow query batched with a fast one does not hold it back.
          false: httpBatchStreamLink({ url: API, transformer: superjson, fetch: authFetch, maxURLLength: 4000 }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
