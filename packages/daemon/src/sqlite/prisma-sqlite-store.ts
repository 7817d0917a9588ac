import { type ConnectablePrisma } from './prisma-open.ts';
import { StoreError } from './store-error.ts';

/**
 * The lifecycle every Prisma store over a SQLite file shares: it owns the
 * client, knows its file, refuses calls once closed (`StoreError(CLOSED)`),
 * and closes idempotently. Subclasses add the queries; they are the only
 * modules that touch their generated client.
 */
export abstract class PrismaSqliteStore<C extends ConnectablePrisma> {
  private closed = false;

  protected constructor(
    protected readonly prisma: C,
    readonly dbPath: string,
    /** What the store is, for messages ("master store"). */
    private readonly what: string,
  ) {}

  get description(): string {
    return `SQLite database ${this.dbPath}`;
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.prisma.$disconnect();
  }

  protected assertOpen(): void {
    if (this.closed) throw new StoreError('CLOSED', `the ${this.what} ${this.dbPath} is closed`);
  }
}
