import { createServer, type AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { AnswerOf } from '../answers.ts';
import type { JobSpec } from '../workloads.ts';
import { shuffleFiller } from './plain-js-workloads.ts';

export const RAW_SOCKET_SETUP =
  'one loopback TCP connection: a worker thread builds the same records and writes 1 MiB frames of ' +
  '[u32 length][u8 partition][UTF-8]; the main thread decodes every record back to a string';

/** The sender: plain JS for a worker thread (eval'd, so it needs no TypeScript loader). */
const SENDER = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const { port, records, length, partitions, filler } = workerData;
const socket = net.connect(port, '127.0.0.1', async () => {
  socket.setNoDelay(true);
  const CHUNK = 1 << 20;
  let buf = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  const send = () => new Promise((resolve) => {
    const ok = socket.write(buf.subarray(0, used));
    buf = Buffer.allocUnsafe(CHUNK);
    used = 0;
    if (ok) resolve(); else socket.once('drain', resolve);
  });
  for (let i = 0; i < records; i++) {
    const record = (i.toString(36) + filler).slice(0, length);
    if (used + 5 + record.length * 3 > CHUNK) await send();
    const n = buf.utf8Write(record, used + 5);
    buf.writeUInt32LE(n, used);
    buf[used + 4] = i % partitions;
    used += 5 + n;
  }
  if (used > 0) await send();
  socket.end(() => parentPort.postMessage('sent'));
});
`;

/** Moves the shuffle workload's records through one raw loopback socket: the practical ceiling. */
export async function rawSocketShuffle(spec: JobSpec): Promise<AnswerOf['shuffle']> {
  const L = spec.size.shuffleRecordBytes;
  const P = spec.size.partitions;
  let records = 0;
  let bytes = 0;
  const seen = new Set<number>();
  const server = createServer();
  const received = new Promise<void>((resolve, reject) => {
    server.once('connection', (socket) => {
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        let off = 0;
        while (off + 5 <= data.length) {
          const len = data.readUInt32LE(off);
          if (off + 5 + len > data.length) break;
          seen.add(data[off + 4]);
          const s = data.toString('utf8', off + 5, off + 5 + len);
          records++;
          bytes += s.length;
          off += 5 + len;
        }
        pending = off < data.length ? data.subarray(off) : Buffer.alloc(0);
        data = pending;
      });
      socket.once('end', () => resolve());
      socket.once('error', reject);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const worker = new Worker(SENDER, {
    eval: true,
    workerData: { port, records: spec.size.shuffleRecords, length: L, partitions: P, filler: shuffleFiller(L) },
  });
  try {
    await received;
  } finally {
    await worker.terminate();
    server.close();
  }
  return { records, bytes, partitions: seen.size };
}
