/**
 * The PostgreSQL dialect (pg). int8 columns come back as strings by default;
 * Sealroom's bigints are millisecond times and counters far below 2^53, so
 * they are parsed to numbers here, in the one place the dialects differ.
 */
import pg from "pg";
import { PostgresDialect } from "kysely";
import type { DialectHandle } from "../dialect.js";

const INT8_OID = 20;

/**
 * Opens a pool for `url`; `searchPath` pins a schema (tests use one per file).
 * `max` is the pool size: the store opens a main pool and a small side pool
 * (see Store.side). Waiting for a connection gives up after 15 s with an
 * error instead of hanging a request forever.
 */
export function openPostgres(url: string, searchPath?: string, max = 10): DialectHandle {
  const types = {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 15_000,
    types,
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  });
  return {
    kind: "postgres",
    dialect: new PostgresDialect({ pool }),
    types: { blob: "bytea", bigint: "bigint" },
    ...(searchPath ? { schema: searchPath } : {}),
    describe: `PostgreSQL ${new URL(url).host}${new URL(url).pathname}`,
    close: async () => {
      await pool.end();
    },
  };
}
