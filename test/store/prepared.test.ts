/**
 * Compiled-once statements (src/store/prepared.ts) on the current dialect:
 * later calls bind their own arguments into the remembered shape (an
 * argument used twice, constants of the query kept), they run inside the
 * caller's transaction, and a builder whose shape depends on its arguments
 * is refused on first use instead of silently reusing the wrong SQL.
 */
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepared, preparedInsert, preparedUpdate } from "../../src/store/prepared.js";
import { insertTenant } from "../../src/store/repos/tenants.js";
import type { Executor } from "../../src/store/store.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
  for (const [id, slug] of [
    ["t-1", "alpha"],
    ["t-2", "beta"],
    ["t-3", "gamma"],
  ]) {
    await insertTenant(t.s.store.db, { id: id!, slug: slug!, name: `Tenant ${slug}`, status: "active", pause_reason: null, created_at: 1, updated_at: 1 });
  }
});
afterEach(async () => t.close());

const byIdOrSlug = prepared((db, key: string) =>
  db
    .selectFrom("tenants")
    .select(["id", "slug"])
    .where((eb) => eb.or([eb("id", "=", key), eb("slug", "=", key)])),
);
const activeExcept = prepared((db, exceptId: string, limit: number) =>
  db.selectFrom("tenants").select("id").where("status", "in", ["active", "paused"]).where("id", "<>", exceptId).orderBy("id").limit(limit),
);
const nameOf = prepared((db, id: string) => db.selectFrom("tenants").select("name").where("id", "=", id));
const rename = prepared((db, id: string, name: string) => db.updateTable("tenants").set({ name }).where("id", "=", id));

describe("prepared statements", () => {
  it("binds each call's own arguments into the shape compiled on the first call", async () => {
    const db = t.s.store.db;
    expect(await byIdOrSlug.first(db, "t-2")).toEqual({ id: "t-2", slug: "beta" });
    // The same argument in two places, by the other column this time.
    expect(await byIdOrSlug.first(db, "gamma")).toEqual({ id: "t-3", slug: "gamma" });
    expect(await byIdOrSlug.first(db, "nobody")).toBeUndefined();
    // Constants of the query (the status list) stay; the limit is an argument like any other.
    expect(await activeExcept.rows(db, "t-1", 5)).toEqual([{ id: "t-2" }, { id: "t-3" }]);
    expect(await activeExcept.rows(db, "t-3", 1)).toEqual([{ id: "t-1" }]);
    expect(await rename.run(db, "t-1", "Renamed")).toBe(1);
    expect(await rename.run(db, "t-9", "Nobody")).toBe(0);
    const row = await db.selectFrom("tenants").select("name").where("id", "=", "t-1").executeTakeFirstOrThrow();
    expect(row.name).toBe("Renamed");
  });

  it("runs inside the caller's transaction: its own writes are seen, and rolled back with it", async () => {
    const store = t.s.store;
    await expect(
      store.transaction(async (tx) => {
        expect(await rename.run(tx, "t-2", "Inside")).toBe(1);
        const seen = await tx.selectFrom("tenants").select("name").where("id", "=", "t-2").executeTakeFirstOrThrow();
        expect(seen.name).toBe("Inside");
        expect(await byIdOrSlug.first(tx, "beta")).toEqual({ id: "t-2", slug: "beta" });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const after = await store.db.selectFrom("tenants").select("name").where("id", "=", "t-2").executeTakeFirstOrThrow();
    expect(after.name).toBe("Tenant beta");
  });

  it("refuses a builder that does not bind an argument as a parameter", async () => {
    const db: Executor = t.s.store.db;
    const branching = prepared((d, slug: string) => d.selectFrom("tenants").select("id").where("slug", "=", slug ? "alpha" : "beta"));
    await expect(branching.first(db, "alpha")).rejects.toThrow(/argument 0 is not a bound parameter/);
    const inlined = prepared((d, column: string) => d.selectFrom("tenants").select(sql.ref<string>(column).as("x")));
    await expect(inlined.first(db, "slug")).rejects.toThrow(/argument 0 is not a bound parameter/);
  });

  it("inserts rows with exactly the prepared columns, any number of them, and refuses any other row", async () => {
    const db = t.s.store.db;
    const insert = preparedInsert("tenants", ["id", "slug", "name", "status", "pause_reason", "created_at", "updated_at"], 2);
    const row = (id: string) => ({ id, slug: id, name: `Tenant ${id}`, status: "active" as const, pause_reason: null, created_at: 5, updated_at: 6 });
    await insert(db, [row("p-1")]);
    await insert(db, [row("p-2"), row("p-3")]);
    await insert(db, [row("p-4"), row("p-5"), row("p-6")]); // past maxRows: through Kysely
    const stored = await db.selectFrom("tenants").selectAll().where("id", "like", "p-%").orderBy("id").execute();
    expect(stored).toEqual(["p-1", "p-2", "p-3", "p-4", "p-5", "p-6"].map(row));
    const { pause_reason: _, ...missing } = row("p-7");
    await expect(insert(db, [missing as never])).rejects.toThrow(/must have exactly the columns/);
    await expect(insert(db, [{ ...row("p-8"), extra: 1 } as never])).rejects.toThrow(/must have exactly the columns/);
    await expect(insert(db, [{ ...row("p-9"), name: undefined } as never])).rejects.toThrow(/column name is undefined/);
    expect(await db.selectFrom("tenants").select("id").where("id", "in", ["p-7", "p-8", "p-9"]).execute()).toEqual([]);
  });

  it("updates by key with whatever columns a call changes, each set of columns its own statement", async () => {
    const db = t.s.store.db;
    const update = preparedUpdate("tenants", ["id"], "status");
    expect(await update(db, ["t-1"], { name: "One", updated_at: 7 }, ["active"])).toBe(1);
    expect(await update(db, ["t-2"], { status: "paused", pause_reason: "audit", name: undefined }, ["active", "paused"])).toBe(1);
    // The status guard: t-2 is no longer active.
    expect(await update(db, ["t-2"], { name: "Two" }, ["active"])).toBe(0);
    expect(await update(db, ["t-3"], { updated_at: 9, name: "Three" }, ["active"])).toBe(1);
    const rows = await db.selectFrom("tenants").select(["id", "name", "status", "pause_reason", "updated_at"]).where("id", "in", ["t-1", "t-2", "t-3"]).orderBy("id").execute();
    expect(rows).toEqual([
      { id: "t-1", name: "One", status: "active", pause_reason: null, updated_at: 7 },
      { id: "t-2", name: "Tenant beta", status: "paused", pause_reason: "audit", updated_at: 1 },
      { id: "t-3", name: "Three", status: "active", pause_reason: null, updated_at: 9 },
    ]);
    await expect(update(db, ["t-1"], { name: sql<string>`upper(name)` }, ["active"])).rejects.toThrow(/must be a plain value/);
    await expect(update(db, ["t-1"], { name: undefined }, ["active"])).rejects.toThrow(/nothing to change/);
    await expect(update(db, ["t-1"], { name: "x" }, [])).rejects.toThrow(/empty status list/);
  });

  it("a statement outside a transaction never runs inside another one that is open", async () => {
    const store = t.s.store;
    let outside: Promise<{ name: string } | undefined> | undefined;
    await expect(
      store.transaction(async (tx) => {
        await rename.run(tx, "t-1", "Uncommitted");
        // Another request's read while this transaction is open: it must wait for it (SQLite) or not see it (PostgreSQL).
        outside = nameOf.first(store.db, "t-1");
        await new Promise((r) => setTimeout(r, 20));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await outside).toEqual({ name: "Tenant alpha" });
  });
});
