import { InvalidArgumentError } from 'commander';

/** A commander parser of a whole number >= `min`, naming the option when it is not. */
export function intArg(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** A commander parser of a port number (0 = any free port). */
export function portArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`${name} must be a port number (0 = any free port)`);
    return n;
  };
}

/**
 * Runs a started daemon until SIGINT or SIGTERM, then stops it and exits 0 (1
 * when stopping fails, naming the daemon); a second signal exits at once (130).
 */
export function stopOnSignals(daemon: string, service: { stop(): Promise<void> }): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    service.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`${daemon} stop failed after ${signal}: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * Runs a command with this process's arguments; a failure prints one line,
 * `<label>: message`, on stderr and exits 1 (a process entry's last step).
 */
export async function runCommand(label: string, command: { parseAsync(argv: readonly string[]): Promise<unknown> }): Promise<void> {
  try {
    await command.parseAsync(process.argv);
  } catch (err) {
    process.stderr.write(`${label}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
