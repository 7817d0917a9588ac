/**
 * @flint/core/protocol — the one catalogue of the messages Flint's processes
 * exchange (master, worker, driver, executor: zod schemas with the protocol
 * types derived from them) and the check that refuses a malformed message at
 * the network edge. Used by the backends and the daemons; applications do not
 * speak these protocols.
 */
export * from './cluster-protocol.ts';
export { checkMessage, describeIssues, invalidMessageText, InvalidMessageError } from './message-validation.ts';
