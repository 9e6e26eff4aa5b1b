/** The DataKeyStore port of src/seal, kept in the data_keys table (wrapped keys only). */
import type { DataKeyStore, WrappedDataKey } from "../../seal/keyring.js";
import type { Executor } from "../store.js";
import type { DataKeysTable } from "../schema.js";
import type { Selectable } from "kysely";

function toKey(r: Selectable<DataKeysTable>): WrappedDataKey {
  return { tenantId: r.tenant_id, version: r.version, wrapped: Buffer.from(r.wrapped), kekId: r.kek_id, status: r.status, createdAt: r.created_at };
}

/** A DataKeyStore over `db`. */
export function sqlDataKeyStore(db: Executor): DataKeyStore {
  return {
    list: async (tenantId) =>
      (await db.selectFrom("data_keys").selectAll().where("tenant_id", "=", tenantId).orderBy("version").execute()).map(toKey),
    listAll: async () => (await db.selectFrom("data_keys").selectAll().orderBy("tenant_id").orderBy("version").execute()).map(toKey),
    insert: async (k) => {
      await db
        .insertInto("data_keys")
        .values({ tenant_id: k.tenantId, version: k.version, wrapped: k.wrapped, kek_id: k.kekId, status: k.status, created_at: k.createdAt })
        .execute();
    },
    updateWrapped: async (tenantId, version, wrapped, kekId) => {
      await db.updateTable("data_keys").set({ wrapped, kek_id: kekId }).where("tenant_id", "=", tenantId).where("version", "=", version).execute();
    },
    setStatus: async (tenantId, version, status) => {
      await db.updateTable("data_keys").set({ status }).where("tenant_id", "=", tenantId).where("version", "=", version).execute();
    },
    shred: async (tenantId) => {
      await db.deleteFrom("data_keys").where("tenant_id", "=", tenantId).execute();
      await db
        .insertInto("shredded_tenants")
        .values({ tenant_id: tenantId, shredded_at: Date.now() })
        .onConflict((oc) => oc.column("tenant_id").doNothing())
        .execute();
    },
    isShredded: async (tenantId) =>
      (await db.selectFrom("shredded_tenants").select("tenant_id").where("tenant_id", "=", tenantId).executeTakeFirst()) !== undefined,
  };
}
