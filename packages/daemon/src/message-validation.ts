import type { z } from 'zod';
import { describeIssues, invalidMessageText } from '@flint/core/protocol';
import { DaemonError } from './daemon-error.ts';

/**
 * Checks an inbound message against its schema from the protocol catalogue.
 * Throws `DaemonError(INVALID_MESSAGE)` naming the kind and every bad field,
 * so the sender gets a REMOTE error it can read and the daemon goes on.
 */
export function parseMessage<S extends z.ZodType>(kind: string, schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new DaemonError('INVALID_MESSAGE', invalidMessageText(kind, describeIssues(r.error)));
}
