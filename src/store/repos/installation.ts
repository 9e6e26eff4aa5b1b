/** The single installation row: when this database was created and whether the demo was seeded. */
import type { Executor } from "../store.js";
import type { InstallationTable } from "../schema.js";
import type { Selectable } from "kysely";

/** Reads the installation row, if the database has been initialised. */
export async function readInstallation(db: Executor): Promise<Selectable<InstallationTable> | undefined> {
  return db.selectFrom("installation").selectAll().executeTakeFirst();
}

/** Creates the installation row if there is none yet. */
export async function ensureInstallation(db: Executor, id: string, now: number): Promise<void> {
  if (await readInstallation(db)) return;
  await db.insertInto("installation").values({ id, created_at: now, demo_seeded_at: null }).execute();
}

/** Marks the demo workspace seeded; true when this call did it (and not another process). */
export async function markDemoSeeded(db: Executor, now: number): Promise<boolean> {
  const r = await db.updateTable("installation").set({ demo_seeded_at: now }).where("demo_seeded_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
