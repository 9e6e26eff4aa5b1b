/**
 * The store: one typed query layer over SQLite or PostgreSQL, chosen by the
 * configuration. Repos (src/store/repos) take an Executor, so the same code
 * runs inside or outside a transaction.
 */
import { join } from "node:path";
import { Kysely, type Transaction } from "kysely";
import type { Config } from "../config/config.js";
import type { DialectHandle, DialectKind } from "./dialect.js";
import { openPostgres } from "./dialects/postgres.js";
import { openSqlite } from "./dialects/sqlite.js";
import { migrateToLatest } from "./migrator.js";
import type { Database } from "./schema.js";

/** Something queries run on: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** An open transaction (audit entries can only be appended inside one). */
export type Tx = Transaction<Database>;

export interface Store {
  readonly db: Kysely<Database>;
  /**
   * A second handle for small reads and writes that may happen while a
   * transaction holds `db` (loading a tenant's data keys). On SQLite Kysely
   * queues every query of a handle behind an open transaction, so using `db`
   * there would wait forever; a second connection reads beside it (WAL).
   * On PostgreSQL it is a second, small pool, for the same reason: a
   * transaction holding a main-pool connection must never wait for another.
   */
  readonly side: Kysely<Database>;
  readonly kind: DialectKind;
  readonly describe: string;
  /** Runs `fn` in one transaction; a throw rolls everything back. */
  transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** Cheap round trip, for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL schema to use (tests isolate each file in its own). */
  readonly searchPath?: string;
  /** SQLite file path instead of <dataDir>/sealroom.db. */
  readonly sqlitePath?: string;
  /**
   * SQLite: checkpoint the WAL on a background thread instead of inside
   * commits (the server, where a commit that checkpoints stalls every
   * request behind it). Short-lived processes (the CLI) leave it off.
   */
  readonly backgroundCheckpoints?: boolean;
}

/** PostgreSQL aborted the transaction to break a lock cycle (40P01) or a serialization conflict (40001). */
function isRetryable(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (code === "40P01" || code === "40001") return true;
  }
  return false;
}

/**
 * Runs a PostgreSQL transaction again when the server aborted it to break a
 * deadlock: under concurrent claims, row locks taken by FOR UPDATE ... LIMIT
 * can form a cycle, and PostgreSQL resolves it by failing one transaction,
 * which is then simply retried (everything it did was rolled back).
 */
async function withRetries<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= 4 || !isRetryable(e)) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}

/** Opens the store the configuration names (PostgreSQL URL, else SQLite under the data folder). */
export function openStore(config: Pick<Config, "databaseUrl" | "dataDir">, options: StoreOptions = {}): Store {
  const sqlitePath = options.sqlitePath ?? join(config.dataDir, "sealroom.db");
  const background = options.backgroundCheckpoints === true;
  const handle: DialectHandle = config.databaseUrl ? openPostgres(config.databaseUrl, options.searchPath) : openSqlite(sqlitePath, { checkpoints: background ? "worker" : "commit" });
  const db = new Kysely<Database>({ dialect: handle.dialect });
  // A connection of its own on both dialects: on PostgreSQL, key loads through the main pool could
  // wait for a connection held by transactions that themselves wait for the key (measured: a deadlock
  // at 200 concurrent contractors when the key cache expired inside a transaction).
  const side = new Kysely<Database>({
    dialect: handle.kind === "sqlite" ? openSqlite(sqlitePath, { busyTimeoutMs: 0, checkpoints: background ? "elsewhere" : "commit" }).dialect : openPostgres(config.databaseUrl!, options.searchPath, 2).dialect,
  });
  return {
    db,
    side,
    kind: handle.kind,
    describe: handle.describe,
    transaction: (fn) => (handle.kind === "postgres" ? withRetries(() => db.transaction().execute(fn)) : db.transaction().execute(fn)),
    migrate: () => migrateToLatest(db as unknown as Kysely<unknown>, handle),
    ping: async () => {
      await db.selectFrom("installation").select("id").limit(1).execute();
    },
    close: async () => {
      await side.destroy();
      // The handle owns the main connection (or pool) and what runs beside it (SQLite's checkpoint thread).
      await handle.close();
    },
  };
}
