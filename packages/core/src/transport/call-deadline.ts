import { TransportError } from './transport-error.ts';

/**
 * Arms a call's timeout and abort signal. `fail` is called at most once, with
 * `TIMEOUT` or `ABORTED`; the returned function disarms both and must be
 * called when the call settles. Cheap: one timer and one listener per call,
 * none when neither is set.
 */
export function armCallDeadline(
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  fail: (err: TransportError) => void,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let done = false;
  const disarm = () => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    if (onAbort) signal!.removeEventListener('abort', onAbort);
  };
  if (signal) {
    if (signal.aborted) {
      done = true;
      fail(new TransportError('ABORTED', `${what} aborted`, { cause: signal.reason }));
      return disarm;
    }
    onAbort = () => {
      disarm();
      fail(new TransportError('ABORTED', `${what} aborted`, { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  }
  if (timeoutMs > 0) {
    timer = setTimeout(() => {
      disarm();
      fail(new TransportError('TIMEOUT', `${what} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  }
  return disarm;
}
