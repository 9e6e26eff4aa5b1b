/**
 * Reads everything a stolen database would hold: on SQLite the raw bytes of
 * the main file and the WAL, on PostgreSQL every row of every table as text
 * (bytea as hex). Tests search it for markers they planted in sealed fields.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { DIALECT, type TestContext } from "./services.js";

/** The whole stored database as bytes. */
export async function storedBytes(t: TestContext): Promise<Buffer> {
  if (DIALECT === "sqlite") {
    const files = readdirSync(t.dataDir).filter((f) => f === "sealroom.db" || f === "sealroom.db-wal");
    return Buffer.concat(files.map((f) => readFileSync(join(t.dataDir, f))));
  }
  const tables = (await t.s.store.db.introspection.getTables()).map((tb) => tb.name);
  let dump = "";
  for (const name of tables) {
    const rows = (await sql<{ t: string }>`select x::text as t from ${sql.table(name)} x`.execute(t.s.store.db)).rows;
    dump += rows.map((r) => r.t).join("\n");
  }
  return Buffer.from(dump, "utf8");
}

/** Every form a marker could take at rest: its UTF-8 bytes and their hex (as PostgreSQL prints bytea). */
export function needlesOf(markers: readonly string[]): Buffer[] {
  return markers.flatMap((m) => [Buffer.from(m, "utf8"), Buffer.from(Buffer.from(m, "utf8").toString("hex"), "ascii")]);
}

/** The markers found in the stored database (empty when sealing held). */
export async function markersAtRest(t: TestContext, markers: readonly string[]): Promise<string[]> {
  const bytes = await storedBytes(t);
  return markers.filter((m) => needlesOf([m]).some((n) => bytes.includes(n)));
}
