/**
 * Versioned migrations, applied in order on start and by `sealroom migrate`.
 * Kysely's Migrator records what ran and takes a lock, so two processes
 * starting together apply each migration once.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from "kysely";
import { SealroomError } from "../domain/errors.js";
import type { DialectHandle } from "./dialect.js";
import * as m0001 from "./migrations/0001_spine.js";
import * as m0002 from "./migrations/0002_audit.js";
import * as m0003 from "./migrations/0003_sealed_import.js";
import * as m0004 from "./migrations/0004_audit_exposure.js";
import * as m0005 from "./migrations/0005_gateway.js";
import * as m0006 from "./migrations/0006_work_engine.js";
import * as m0007 from "./migrations/0007_audit_write_cost.js";

type MigrationModule = { up(db: Kysely<unknown>, d: DialectHandle): Promise<void> };

const MIGRATIONS: ReadonlyArray<readonly [string, MigrationModule]> = [
  ["0001_spine", m0001],
  ["0002_audit", m0002],
  ["0003_sealed_import", m0003],
  ["0004_audit_exposure", m0004],
  ["0005_gateway", m0005],
  ["0006_work_engine", m0006],
  ["0007_audit_write_cost", m0007],
];

function provider(d: DialectHandle): MigrationProvider {
  return {
    getMigrations: async () => {
      const out: Record<string, Migration> = {};
      for (const [name, mod] of MIGRATIONS) out[name] = { up: (db) => mod.up(db, d) };
      return out;
    },
  };
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<unknown>, d: DialectHandle): Promise<string[]> {
  return migrate(db, d, (m) => m.migrateToLatest());
}

/** Applies the pending migrations up to and including `name` (tests that upgrade a database holding data). */
export async function migrateTo(db: Kysely<unknown>, d: DialectHandle, name: string): Promise<string[]> {
  if (!MIGRATIONS.some(([n]) => n === name)) throw new SealroomError("bad_request", `no migration named ${name}`);
  return migrate(db, d, (m) => m.migrateTo(name));
}

async function migrate(db: Kysely<unknown>, d: DialectHandle, run: (m: Migrator) => Promise<MigrationResultSet>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: provider(d),
    migrationTableName: "sealroom_migrations",
    migrationLockTableName: "sealroom_migrations_lock",
    // Without this Kysely finds a same-named table in another schema and skips creating ours.
    ...(d.schema ? { migrationTableSchema: d.schema } : {}),
  });
  const { error, results } = await run(migrator);
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new SealroomError("storage_unavailable", `migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
