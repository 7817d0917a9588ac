import path from 'node:path';
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { type SqliteErrorFactory, migrateSqliteFile } from './sqlite-file.ts';
import { StoreError } from './store-error.ts';

/** What a generated Prisma client offers that opening needs. */
export interface ConnectablePrisma {
  $connect(): Promise<void>;
  $disconnect(): Promise<void>;
}

export interface OpenPrismaSqliteOptions<C extends ConnectablePrisma> {
  dbPath: string;
  /** The store's SQL migrations (`<name>/migration.sql`). */
  migrationsDir: string;
  /** Builds the store's generated client over the adapter. */
  client: (adapter: PrismaBetterSqlite3) => C;
  /** The store's error class. @default StoreError */
  fail?: SqliteErrorFactory;
  /** @default 'check the path given with --db' */
  fix?: string;
}

/**
 * Opens a store's SQLite file through Prisma: creates it (owner-only), applies
 * its SQL migrations in WAL mode, then connects the generated client through
 * the better-sqlite3 adapter. Returns the absolute path and the client.
 */
export async function openPrismaSqlite<C extends ConnectablePrisma>(o: OpenPrismaSqliteOptions<C>): Promise<{ file: string; prisma: C }> {
  const file = path.resolve(o.dbPath);
  const fail = o.fail ?? ((code, message, options) => new StoreError(code, message, options));
  migrateSqliteFile(file, o.migrationsDir, fail, o.fix ?? 'check the path given with --db');
  // Loaded on demand: a process that only migrates or ingests through better-sqlite3 never pays for it.
  const { PrismaBetterSqlite3: Adapter } = await import('@prisma/adapter-better-sqlite3');
  const prisma = o.client(new Adapter({ url: `file:${file}`, timeout: 10_000 }));
  try {
    await prisma.$connect();
  } catch (cause) {
    await prisma.$disconnect().catch(() => undefined);
    throw fail('IO', `cannot open ${file} through Prisma: ${(cause as Error).message}`, { cause });
  }
  return { file, prisma };
}
