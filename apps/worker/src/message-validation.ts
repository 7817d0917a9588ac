import type { z } from 'zod';
import { WorkerError } from './worker-error.ts';

/** Checks an inbound message against its catalogue schema; throws INVALID_MESSAGE naming every bad field. */
export function parseMessage<S extends z.ZodType>(kind: string, schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const problems = r.error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ');
  throw new WorkerError('INVALID_MESSAGE', `malformed ${kind} message: ${problems}; send it as the protocol catalogue (@flint/core cluster-protocol.ts) defines it`);
}
