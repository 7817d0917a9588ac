import { ApiRefusal, type LogChunk, type ReadLogQuery } from '@flint/api';
import type { MasterProtocol } from '@flint/core/protocol';
import type { ClusterMessenger } from '../cluster-messenger.ts';

type ClusterState = MasterProtocol['clusterState']['response'];

/**
 * logs.read on the master: checks in its own state that the executor ran on
 * that worker, then asks the worker (which checks again, and serves only the
 * files it wrote) by ids. Never forwards a path.
 */
export async function readExecutorLog(clusterState: () => Promise<ClusterState>, messenger: ClusterMessenger, q: ReadLogQuery): Promise<LogChunk> {
  const c = await clusterState();
  const w = c.workers.find((x) => x.workerId === q.workerId);
  if (!w) throw new ApiRefusal('NOT_FOUND', `no worker ${q.workerId}`);
  const e = c.executors.find((x) => x.appId === q.appId && x.executorId === q.executorId);
  if (!e || e.workerId !== q.workerId) throw new ApiRefusal('FORBIDDEN', `executor ${q.appId}/${q.executorId} did not run on worker ${q.workerId}: a worker serves only its own executors' logs`);
  if (w.state === 'DEAD') throw new ApiRefusal('UNAVAILABLE', `worker ${q.workerId} is dead: its logs cannot be read until it comes back`);
  let r: { data: Uint8Array; offset: number; size: number };
  try {
    r = await messenger.readExecutorLog(w.address, { appId: q.appId, executorId: q.executorId, stream: q.stream, offset: q.offset, length: q.length });
  } catch (err) {
    const msg = (err as Error).message;
    if (msg.includes('INVALID_MESSAGE')) throw new ApiRefusal('NOT_FOUND', msg.replace(/^.*INVALID_MESSAGE:\s*/, ''));
    throw new ApiRefusal('UNAVAILABLE', `cannot reach worker ${q.workerId} at ${w.address}: ${msg}`);
  }
  const bytes = r.data;
  const end = r.offset + bytes.length;
  // A character cut at the end of the slice is left for the next read, unless the file ends there.
  const keep = end >= r.size ? bytes.length : completeUtf8Length(bytes);
  return { data: Buffer.from(bytes.buffer, bytes.byteOffset, keep).toString('utf8'), offset: r.offset, nextOffset: r.offset + keep, size: r.size, eof: r.offset + keep >= r.size };
}

/** Length of `b` without a trailing incomplete UTF-8 sequence. */
export function completeUtf8Length(b: Uint8Array): number {
  const n = b.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const x = b[n - back];
    if ((x & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** jobs.cancel on the master: relays the request to the application's driver, which cancels the job. */
export async function cancelJobOnDriver(clusterState: () => Promise<ClusterState>, messenger: ClusterMessenger, appId: string, jobId: number): Promise<{ cancelled: boolean; message: string }> {
  const app = (await clusterState()).applications.find((a) => a.appId === appId);
  if (!app) throw new ApiRefusal('NOT_FOUND', `no application ${appId} on this master`);
  if (app.state !== 'RUNNING' && app.state !== 'WAITING') throw new ApiRefusal('PRECONDITION_FAILED', `application ${appId} already ended (${app.state.toLowerCase()}): no job of it runs`);
  try {
    return await messenger.cancelJob(app.driverAddress, { appId, jobId, reason: 'cancelled through the API' });
  } catch (err) {
    throw new ApiRefusal('UNAVAILABLE', `cannot reach the driver of ${appId} at ${app.driverAddress}: ${(err as Error).message}`);
  }
}
