/** The DataKeyStore port of src/seal, kept in the data_keys table (wrapped keys only). */
import type { DataKeyStore, WrappedDataKey } from "../../seal/keyring.js";
import type { Executor } from "../store.js";
import type { DataKeysTable } from "../schema.js";
import type { Selectable } from "kysely";

function toKey(r: Selectable<DataKeysTable>): WrappedDataKey {
  return { tenantId: r.tenant_id, version: r.version, wrapped: Buffer.from(r.wrapped), kekId: r.kek_id, status: r.status, createdAt: r.created_at };
}

/** How long a key write keeps retrying while another connection holds SQLite's write lock. */
const BUSY_RETRY_MS = 10_000;

/**
 * Runs a write, retrying with short asynchronous pauses while SQLite answers
 * SQLITE_BUSY (the side connection waits 0 ms by itself): the pause lets the
 * event loop finish the main connection's open transaction.
 */
async function whenFree<T>(write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUSY_RETRY_MS;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    try {
      return await write();
    } catch (e) {
      const busy = (e as { code?: unknown }).code === "SQLITE_BUSY";
      if (!busy || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** A DataKeyStore over `db`; writes wait politely for SQLite's write lock (see whenFree). */
export function sqlDataKeyStore(db: Executor): DataKeyStore {
  return {
    list: async (tenantId) =>
      (await db.selectFrom("data_keys").selectAll().where("tenant_id", "=", tenantId).orderBy("version").execute()).map(toKey),
    listAll: async () => (await db.selectFrom("data_keys").selectAll().orderBy("tenant_id").orderBy("version").execute()).map(toKey),
    insert: (k) =>
      whenFree(async () => {
        await db
          .insertInto("data_keys")
          .values({ tenant_id: k.tenantId, version: k.version, wrapped: k.wrapped, kek_id: k.kekId, status: k.status, created_at: k.createdAt })
          .execute();
      }),
    updateWrapped: (tenantId, version, wrapped, kekId) =>
      whenFree(async () => {
        await db.updateTable("data_keys").set({ wrapped, kek_id: kekId }).where("tenant_id", "=", tenantId).where("version", "=", version).execute();
      }),
    setStatus: (tenantId, version, status) =>
      whenFree(async () => {
        await db.updateTable("data_keys").set({ status }).where("tenant_id", "=", tenantId).where("version", "=", version).execute();
      }),
    shred: (tenantId) =>
      whenFree(async () => {
        await db.deleteFrom("data_keys").where("tenant_id", "=", tenantId).execute();
        await db
          .insertInto("shredded_tenants")
          .values({ tenant_id: tenantId, shredded_at: Date.now() })
          .onConflict((oc) => oc.column("tenant_id").doNothing())
          .execute();
      }),
    isShredded: async (tenantId) =>
      (await db.selectFrom("shredded_tenants").select("tenant_id").where("tenant_id", "=", tenantId).executeTakeFirst()) !== undefined,
  };
}
