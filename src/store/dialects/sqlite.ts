/**
 * The embedded dialect: one SQLite file under the data folder, opened with
 * better-sqlite3 (v12: v13 crashes on Node 20). WAL lets readers run beside
 * the single writer; busy_timeout covers a second process (the CLI) writing.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, SqliteAdapter, SqliteDialect, type DatabaseConnection, type DialectAdapter, type Driver } from "kysely";
import type { DialectHandle } from "../dialect.js";
import { SQLITE_DEFAULT_AUTOCHECKPOINT, startCheckpointer } from "./sqlite-checkpointer.js";

/** Most distinct statements kept prepared; past it the cache starts over (IN lists of many lengths would otherwise grow it). */
const STATEMENT_CACHE_SIZE = 2000;

/** A connection's statements, prepared once per SQL text, and whether a transaction is open on it. */
export interface StatementCache {
  close(): void;
  prepare(sql: string): BetterSqlite3.Statement;
  /** Transactions begun and not yet ended on this connection (counted by the driver: from before BEGIN until COMMIT or ROLLBACK is done). */
  openTransactions: number;
}

/**
 * Kysely prepares every query it runs; preparing costs more than running
 * most of ours (measured: 48 prepares, 1.3 ms, per claim-and-submit round
 * trip). Statements are reused by their SQL text. Safe because
 * better-sqlite3 runs a statement to completion synchronously, and nothing
 * here iterates a statement lazily (Kysely's stream() would: it is not used).
 */
function cachingStatements(connection: BetterSqlite3.Database): StatementCache {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    openTransactions: 0,
    close: () => connection.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
        stmt = connection.prepare(castLimits(sql));
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/**
 * Kysely binds LIMIT and OFFSET as parameters (`limit ?`). This SQLite is
 * built with STAT4, and a statement whose plan may depend on a bound LIMIT is
 * compiled again every time its parameters are bound, which undid the
 * statement cache: a one-row lookup took 20-60 µs instead of 3-10 (measured
 * on the claim path, which runs a dozen such queries). `cast(? as integer)`
 * is the same value to SQLite but not a bare variable, so the prepared plan
 * is kept. Kysely writes the keywords in lower case, as matched here;
 * parameters never appear inside literals (Kysely binds values).
 */
export function castLimits(sql: string): string {
  return sql.replace(/\b(limit|offset) \?/g, "$1 cast(? as integer)");
}

/**
 * Transactions start with BEGIN IMMEDIATE: they take the write lock at the
 * start (waiting up to busy_timeout), instead of failing at once with
 * SQLITE_BUSY when a read-then-write transaction (every audited one) finds
 * that another process (the CLI beside the server) wrote in between. Every
 * transaction, whoever opens it (the store, the migrator), is counted open
 * on the connection's statements until it ends (see DirectSqliteAdapter).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly statements: StatementCache) {
    super({ database: statements });
  }

  override createAdapter(): DialectAdapter {
    return new DirectSqliteAdapter(this.statements);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const commit = driver.commitTransaction.bind(driver);
    const rollback = driver.rollbackTransaction.bind(driver);
    // Counted before BEGIN runs: the statement runs synchronously, and a count raised only once its
    // promise settled would let another request's statement in between land in this transaction.
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      this.statements.openTransactions++;
      try {
        await connection.executeQuery(CompiledQuery.raw("begin immediate"));
      } catch (e) {
        this.statements.openTransactions--;
        throw e;
      }
    };
    // A failed COMMIT leaves the transaction open; Kysely rolls it back next, which ends the count.
    driver.commitTransaction = async (connection: DatabaseConnection) => {
      await commit(connection);
      this.statements.openTransactions--;
    };
    driver.rollbackTransaction = async (connection: DatabaseConnection) => {
      try {
        await rollback(connection);
      } finally {
        this.statements.openTransactions--;
      }
    };
    return driver;
  }
}

/**
 * The adapter of an SQLite store, holding its connection's statements, so
 * store/prepared.ts can run its statements on them directly instead of
 * through Kysely's asynchronous executor: inside a transaction (which holds
 * the only connection until it ends), and outside any while none is open on
 * the connection (`statements.openTransactions`, counted by the driver),
 * when a statement on its own is what Kysely would run too.
 */
export class DirectSqliteAdapter extends SqliteAdapter {
  constructor(readonly statements: StatementCache) {
    super();
  }
}

export interface SqliteOptions {
  readonly busyTimeoutMs?: number;
  /**
   * Who checkpoints the WAL: "commit" (SQLite's default, inside the commit
   * that crosses 1,000 pages), "worker" (a background thread; see
   * sqlite-checkpointer.ts), or "elsewhere" (another connection of this
   * process runs the worker; this one never checkpoints).
   */
  readonly checkpoints?: "commit" | "worker" | "elsewhere";
}

/**
 * Opens (creating if needed) the SQLite file at `path`. `busyTimeoutMs` is
 * how long a statement waits for another connection's write lock; the
 * store's side connection uses 0 and retries asynchronously instead
 * (repos/data-keys.ts), since better-sqlite3 waits synchronously and would
 * stop the very event loop that has to finish the other transaction.
 */
export function openSqlite(path: string, options: SqliteOptions = {}): DialectHandle {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const connection = new BetterSqlite3(path);
  // Sealed or not, the database is nobody else's business: owner-only, like the key file.
  if (path !== ":memory:") chmodSync(path, 0o600);
  connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = NORMAL");
  connection.pragma("foreign_keys = ON");
  connection.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // 64 MiB page cache (the default is 2 MiB): imports insert blind-index keys at random places
  // of a unique index, and with a small cache nearly every such insert first reads a page.
  connection.pragma("cache_size = -65536");
  // Deleted rows are zeroed, not left in free pages: shredding a tenant deletes its wrapped keys.
  connection.pragma("secure_delete = ON");
  // Reads of pages beyond the page cache come from a read-only memory map of the file instead of a
  // pread each (up to 2 GiB, SQLite's default ceiling). On a queue of 1,000,000 items this narrowed
  // the paced claim p50 gap to a 10,000-item queue from 1.36–1.58× to 1.15–1.31× (docs/BENCHMARKS.md).
  connection.pragma("mmap_size = 2147418112");
  // With a checkpoint thread, commits never checkpoint; should the thread stop, this connection takes over again.
  if (options.checkpoints !== "commit") connection.pragma("wal_autocheckpoint = 0");
  const checkpointer =
    options.checkpoints === "worker" && path !== ":memory:"
      ? startCheckpointer(path, () => {
          if (connection.open) connection.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
        })
      : undefined;
  return {
    kind: "sqlite",
    dialect: new ImmediateSqliteDialect(cachingStatements(connection)),
    types: { blob: "blob", bigint: "integer" },
    describe: `SQLite ${path}`,
    close: async () => {
      await checkpointer?.stop();
      connection.close();
    },
  };
}
