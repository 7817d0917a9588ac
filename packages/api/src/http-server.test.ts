import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFlintClient } from './client.ts';
import { type FlintHttpServer, listenFlintHttp } from './http-server.ts';
import type { LiveBatch } from './routers/events.ts';
import { APP, buildFixture } from './test-fixture.ts';

const open: FlintHttpServer[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function serve(secret: string | null, extra: Parameters<typeof listenFlintHttp>[2] extends infer O ? Partial<O> : never = {}) {
  const { q, tasks } = buildFixture();
  const s = await listenFlintHttp('127.0.0.1', 0, { queries: q, secret, routes: { '/metrics': (_req, res) => void res.end('flint_up 1\n') }, ...extra });
  open.push(s);
  return { s, q, tasks };
}

describe('Flint HTTP server', () => {
  it('serves the typed API to createFlintClient, with security headers on every response', async () => {
    const { s, tasks } = await serve(null);
    const client = createFlintClient({ url: s.url });
    const jobs = await client.jobs.list.query({ appId: APP });
    expect(jobs.map((j) => j.jobId)).toEqual([0, 1]);
    const page = await client.tasks.list.query({ appId: APP, stageId: 0, attempt: 0, sortBy: 'gcTime', desc: true, limit: 5 });
    const expected = tasks.filter((t) => t.stageId === 0).sort((a, b) => b.metrics.gcTime - a.metrics.gcTime || b.taskId - a.taskId).slice(0, 5).map((t) => t.taskId);
    expect(page.items.map((r) => r.taskId)).toEqual(expected);
    for (const path of ['/healthz', '/nope', '/api/trpc/cluster.overview', '/metrics']) {
      const res = await fetch(s.url + path);
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      await res.text();
    }
    expect((await fetch(s.url + '/nope')).status).toBe(404);
  });

  it('with a secret: 401 and nothing else without it; bearer token and login cookie both work', async () => {
    const { s } = await serve('s3cret-value');
    for (const path of ['/api/trpc/cluster.overview', '/metrics', '/healthz', '/', '/api/trpc/jobs.list?input=' + encodeURIComponent(JSON.stringify({ json: { appId: APP } }))]) {
      const res = await fetch(s.url + path);
      expect(res.status, path).toBe(401);
      const body = await res.text();
      expect(body).not.toContain(APP);
      expect(body).not.toContain('flint_up');
    }
    await expect(createFlintClient({ url: s.url }).cluster.overview.query()).rejects.toMatchObject({ meta: { response: { status: 401 } } });
    await expect(createFlintClient({ url: s.url, secret: 'wrong' }).cluster.overview.query()).rejects.toMatchObject({ meta: { response: { status: 401 } } });
    expect((await createFlintClient({ url: s.url, secret: 's3cret-value' }).jobs.list.query({ appId: APP })).length).toBe(2);
    const bad = await fetch(s.url + '/api/login', { method: 'POST', body: JSON.stringify({ secret: 'nope' }), headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const good = await fetch(s.url + '/api/login', { method: 'POST', body: JSON.stringify({ secret: 's3cret-value' }), headers: { 'content-type': 'application/json' } });
    expect(good.status).toBe(200);
    const cookie = good.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain('s3cret-value');
    const withCookie = await fetch(s.url + '/metrics', { headers: { cookie: cookie.split(';')[0] } });
    expect(withCookie.status).toBe(200);
    expect(await withCookie.text()).toBe('flint_up 1\n');
    // A cross-site page cannot use the cookie for a mutation.
    const csrf = await fetch(s.url + '/api/trpc/apps.kill', { method: 'POST', headers: { cookie: cookie.split(';')[0], origin: 'http://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ json: { appId: APP } }) });
    expect(csrf.status).toBe(403);
  });

  it('without a secret: refuses cross-origin writes and requests naming a non-loopback host (DNS rebinding)', async () => {
    const { s } = await serve(null);
    const kill = (headers: Record<string, string>) =>
      fetch(s.url + '/api/trpc/apps.kill', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ json: { appId: APP } }) });
    const csrf = await kill({ origin: 'http://evil.example' });
    expect(csrf.status).toBe(403);
    expect(await csrf.text()).toContain('cross-origin');
    const port = new URL(s.url).port;
    // fetch sets Host itself: a raw request names the host an attacker's page would.
    const get = (path: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: Number(port), path, headers: { host } }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    for (const host of [`evil.example:${port}`, `10.0.0.1:${port}`]) {
      const r = await get('/api/trpc/cluster.overview', host);
      expect(r.status, host).toBe(403);
      expect(r.body).not.toContain('masterId');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await get('/healthz', host)).status, host).toBe(200);
    }
    // The same-origin write reaches the procedure (which refuses: the in-memory store has no cluster).
    const same = await kill({ origin: s.url });
    expect(same.status).toBe(412);
    await same.text();
  });

  it('refuses to bind beyond loopback without a secret', async () => {
    const { q } = buildFixture();
    await expect(listenFlintHttp('0.0.0.0', 0, { queries: q, secret: null })).rejects.toThrow(/without a cluster secret.*FLINT_SECRET/);
    await expect(listenFlintHttp('0.0.0.0', 0, { queries: q, secret: '' })).rejects.toThrow(/without a cluster secret/);
    const s = await listenFlintHttp('0.0.0.0', 0, { queries: q, secret: 'x' });
    open.push(s);
    expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(401);
  });

  it('garbage and oversized inputs get validation errors, and the server keeps serving', async () => {
    const { s } = await serve(null, { maxBodyBytes: 64 * 1024 });
    const client = createFlintClient({ url: s.url });
    const attempts: Array<[string, RequestInit | undefined, number[]]> = [
      ['/api/trpc/jobs.list?input=%7Bnot json', undefined, [400]],
      ['/api/trpc/jobs.list?input=' + encodeURIComponent(JSON.stringify({ json: { appId: 42 } })), undefined, [400]],
      ['/api/trpc/tasks.list?input=' + encodeURIComponent(JSON.stringify({ json: { appId: APP, stageId: 'x' } })), undefined, [400]],
      ['/api/trpc/no.such.procedure', undefined, [404]],
      ['/api/trpc/apps.kill', { method: 'POST', body: 'x'.repeat(200 * 1024), headers: { 'content-type': 'application/json' } }, [413]],
      ['/api/trpc/apps.kill', { method: 'POST', body: '{"json":', headers: { 'content-type': 'application/json' } }, [400]],
      ['/api/trpc/jobs.list,jobs.list,jobs.list?batch=1&input=' + encodeURIComponent('{"0":{"json":{"appId":"../x"}}}'), undefined, [400, 207]],
    ];
    for (const [path, init, statuses] of attempts) {
      const res = await fetch(s.url + path, init);
      expect(statuses, `${path.slice(0, 60)} → ${res.status}`).toContain(res.status);
      await res.text();
    }
    const err = await client.jobs.get.query({ appId: 'a/b', jobId: 0 }).catch((e: { data?: { zodIssues?: unknown[]; code?: string } }) => e);
    expect((err as { data: { code: string; zodIssues: Array<{ path: string }> } }).data).toMatchObject({ code: 'BAD_REQUEST', zodIssues: [{ path: 'appId' }] });
    expect((await client.jobs.list.query({ appId: APP })).length).toBe(2);
  });

  it('events.live delivers changes in cursor order, and resumes after lastEventId with no gap and no repeat', async () => {
    const { s, q } = await serve(null);
    const client = createFlintClient({ url: s.url });
    const seen: number[] = [];
    let lastId = '';
    await new Promise<void>((resolve, reject) => {
      const sub = client.events.live.subscribe(
        { sinceCursor: 0 },
        {
          onData(ev) {
            lastId = ev.id;
            const batch = ev.data as LiveBatch;
            seen.push(...batch.changes.map((c) => c.cursor));
            if (seen.length >= 10) {
              sub.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    const total = await q.latestCursor();
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Cut after the 5th change: a reconnect with that id must resume at the 6th.
    const resumed: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = client.events.live.subscribe(
        { lastEventId: '5' },
        {
          onData(ev) {
            resumed.push(...(ev.data as LiveBatch).changes.map((c) => c.cursor));
            if (resumed.at(-1)! >= total + 3) {
              sub.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
      // New changes while subscribed arrive too.
      setTimeout(() => q.setDroppedEvents(APP, 1), 50);
      setTimeout(() => q.setDroppedEvents(APP, 2), 100);
      setTimeout(() => q.setDroppedEvents(APP, 3), 200);
    });
    expect(resumed).toEqual(Array.from({ length: total + 3 - 5 }, (_, i) => i + 6));
    expect(lastId).toBe(String(total));
  });
});
