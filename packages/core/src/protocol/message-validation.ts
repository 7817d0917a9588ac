import type { z } from 'zod';

/** The problems zod found in a message, at most eight, each as `path: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ');
}

/** What a receiver says about a message that does not match its schema in the protocol catalogue. */
export function invalidMessageText(kind: string, problems: string): string {
  return `malformed ${kind} message: ${problems}; send it as the protocol catalogue (@flint/core cluster-protocol.ts) defines it`;
}

/**
 * A message from the network that does not match its schema: raised at the
 * receiving edge before any handler sees it, and returned to the sender as a
 * REMOTE error whose message starts with INVALID_MESSAGE.
 */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
  readonly code = 'INVALID_MESSAGE';
  constructor(
    readonly kind: string,
    readonly problems: string,
  ) {
    super(`INVALID_MESSAGE: ${invalidMessageText(kind, problems)}`);
  }
}

/** Throws `InvalidMessageError` unless `body` matches `schema`; the body itself is not changed. */
export function checkMessage(kind: string, schema: z.ZodType, body: unknown): void {
  const r = schema.safeParse(body);
  if (!r.success) throw new InvalidMessageError(kind, describeIssues(r.error));
}
