/**
 * SQLite details the server depends on for latency: WAL checkpoints run on a
 * background thread, never inside a request's commit; and LIMIT/OFFSET are
 * bound in a form that keeps prepared plans (see castLimits). SQLite only.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { castLimits } from "../../src/store/dialects/sqlite.js";
import { startCheckpointer } from "../../src/store/dialects/sqlite-checkpointer.js";
import { openStore, type Store } from "../../src/store/store.js";
import { eventually } from "../support/wait.js";

/**
 * The WAL index (the -shm file) as SQLite lays it out: the header's mxFrame
 * (last valid frame) at byte 16, and the checkpoint record's nBackfill
 * (frames already copied into the database) at byte 96, native byte order.
 */
function walProgress(dbPath: string): { frames: number; backfilled: number } {
  const shm = readFileSync(`${dbPath}-shm`);
  return { frames: shm.readUInt32LE(16), backfilled: shm.readUInt32LE(96) };
}

let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  store = dir = undefined;
});

async function writePages(s: Store, rows: number): Promise<void> {
  await sql`create table if not exists filler (id integer primary key, body blob)`.execute(s.db);
  await s.db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows; i++) await sql`insert into filler (body) values (randomblob(3000))`.execute(tx);
  });
}

describe.skipIf(process.env["SEALROOM_TEST_DIALECT"] === "postgres")("SQLite checkpoints and statements", () => {
  it("with background checkpoints, commits leave the WAL alone and the worker copies it into the database", async () => {
    dir = mkdtempSync(join(tmpdir(), "sealroom-ckpt-"));
    const path = join(dir, "sealroom.db");
    store = openStore({ dataDir: dir, databaseUrl: undefined }, { backgroundCheckpoints: true });
    await store.migrate();
    // ~1,500 pages in one commit: past SQLite's usual 1,000-page threshold, so an inline checkpoint would have run.
    await writePages(store, 1500);
    const after = walProgress(path);
    expect(after.frames).toBeGreaterThan(1000);
    // The commit returned without copying anything (copying 6 MB takes the worker milliseconds, after this read).
    expect(after.backfilled).toBeLessThan(after.frames);
    await eventually(() => {
      const p = walProgress(path);
      expect(p.backfilled).toBe(p.frames);
    });
    expect(statSync(path).size).toBeGreaterThan(1500 * 3000);
  });

  it("a checkpoint thread that dies hands checkpoints back to the commits; one that is stopped does not", async () => {
    dir = mkdtempSync(join(tmpdir(), "sealroom-ckpt-"));
    store = openStore({ dataDir: dir, databaseUrl: undefined });
    await store.migrate();
    const path = join(dir, "sealroom.db");
    let lost = 0;
    const dying = startCheckpointer(path, () => lost++);
    await dying.thread.terminate();
    expect(lost).toBe(1);
    const stopped = startCheckpointer(path, () => lost++);
    await stopped.stop();
    expect(lost).toBe(1);
  });

  it("without them, the committing connection checkpoints as SQLite does by default", async () => {
    dir = mkdtempSync(join(tmpdir(), "sealroom-ckpt-"));
    const path = join(dir, "sealroom.db");
    store = openStore({ dataDir: dir, databaseUrl: undefined });
    await store.migrate();
    await writePages(store, 1500);
    // The commit itself ran the checkpoint: everything is backfilled at once, no thread involved.
    const p = walProgress(path);
    expect(p.backfilled).toBe(p.frames);
  });

  it("binds LIMIT and OFFSET as integers cast from a parameter, and they still limit", async () => {
    expect(castLimits(`select "id" from "items" where "tenant_id" = ? order by "seq" limit ? offset ?`)).toBe(`select "id" from "items" where "tenant_id" = ? order by "seq" limit cast(? as integer) offset cast(? as integer)`);
    expect(castLimits(`select * from "x" where "limitless" = ?`)).toBe(`select * from "x" where "limitless" = ?`);
    dir = mkdtempSync(join(tmpdir(), "sealroom-ckpt-"));
    store = openStore({ dataDir: dir, databaseUrl: undefined });
    await sql`create table numbers (n integer primary key)`.execute(store.db);
    for (let n = 1; n <= 10; n++) await sql`insert into numbers (n) values (${n})`.execute(store.db);
    const db = store.db as unknown as import("kysely").Kysely<{ numbers: { n: number } }>;
    const rows = await db.selectFrom("numbers").select("n").orderBy("n").limit(3).offset(4).execute();
    expect(rows.map((r) => r.n)).toEqual([5, 6, 7]);
  });
});
