/**
 * @flint/daemon/sqlite — the SQLite files of the daemons' and the event
 * store's state: owner-only files, WAL, checksummed SQL migrations, and
 * opening a generated Prisma client over them. Kept apart from the main entry
 * so a store loads no logger or transport.
 */
export { applySqlMigrations, migrateSqliteFile, prepareSqliteFile, type SqliteErrorFactory } from './sqlite-file.ts';
export { StoreError, type StoreErrorCode } from './store-error.ts';
export { openPrismaSqlite, type ConnectablePrisma, type OpenPrismaSqliteOptions } from './prisma-open.ts';
export { PrismaSqliteStore } from './prisma-sqlite-store.ts';
