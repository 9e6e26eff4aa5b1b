/** The audit log's tables: entries, complete-subtree nodes, the frontier, signed heads, the signing key. */
import type { Selectable } from "kysely";
import type { AuditEntry } from "../../audit/entry.js";
import { SealroomError } from "../../domain/errors.js";
import { prepared, preparedInsert } from "../prepared.js";
import type { Executor } from "../store.js";
import type { AuditEntriesTable, AuditHeadsTable, AuditSigningKeysTable } from "../schema.js";

export type AuditHeadRow = Selectable<AuditHeadsTable>;
export type AuditSigningKeyRow = Selectable<AuditSigningKeysTable>;

/**
 * Reads the frontier. `forUpdate` takes a row lock (PostgreSQL), so appends
 * from several instances serialize; SQLite serializes writers by itself.
 */
export async function readAuditState(db: Executor, forUpdate: boolean): Promise<{ size: number; frontier: string }> {
  const r = await (forUpdate ? auditStateLocked : auditState).first(db);
  if (!r) throw new SealroomError("internal", "The audit log has no state row.");
  return r;
}
const auditState = prepared((db) => db.selectFrom("audit_state").select(["size", "frontier"]).where("id", "=", 1));
const auditStateLocked = prepared((db) => db.selectFrom("audit_state").select(["size", "frontier"]).where("id", "=", 1).forUpdate());

/** Saves the frontier after appends. */
export async function writeAuditState(db: Executor, size: number, frontier: string): Promise<void> {
  await auditStateWrite.run(db, size, frontier);
}
const auditStateWrite = prepared((db, size: number, frontier: string) => db.updateTable("audit_state").set({ size, frontier }).where("id", "=", 1));

function toRow(e: AuditEntry): Selectable<AuditEntriesTable> {
  return {
    seq: e.seq,
    time: e.time,
    tenant_id: e.tenantId,
    actor_type: e.actorType,
    actor_id: e.actorId,
    action: e.action,
    object_type: e.objectType,
    object_id: e.objectId,
    outcome: e.outcome,
    request_id: e.requestId,
    ip: e.ip,
    detail: e.detail,
    detail_digest: e.detailDigest,
  };
}

/** Turns a stored row back into an entry. */
export function fromAuditRow(r: Selectable<AuditEntriesTable>): AuditEntry {
  return {
    seq: r.seq,
    time: r.time,
    tenantId: r.tenant_id,
    actorType: r.actor_type,
    actorId: r.actor_id,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    outcome: r.outcome,
    requestId: r.request_id,
    ip: r.ip,
    detail: r.detail,
    detailDigest: r.detail_digest,
  };
}

/** Inserts entries and the tree nodes their appends completed. */
export async function insertAuditEntries(
  db: Executor,
  entries: readonly AuditEntry[],
  nodes: ReadonlyArray<{ level: number; index: number; hash: Buffer }>,
): Promise<void> {
  // Batches stay under SQLite's bound-parameter limit.
  for (let i = 0; i < entries.length; i += 500) await insertEntryRows(db, entries.slice(i, i + 500).map(toRow));
  for (let i = 0; i < nodes.length; i += 2000) await insertNodeRows(db, nodes.slice(i, i + 2000).map((n) => ({ level: n.level, idx: n.index, hash: n.hash })));
}
/** A request records a few entries (and completes a few nodes) at a time: those counts are compiled once. */
const insertEntryRows = preparedInsert(
  "audit_entries",
  ["seq", "time", "tenant_id", "actor_type", "actor_id", "action", "object_type", "object_id", "outcome", "request_id", "ip", "detail", "detail_digest"],
  8,
);
const insertNodeRows = preparedInsert("audit_nodes", ["level", "idx", "hash"], 16);

/** One complete-subtree hash, or undefined. */
export async function readAuditNode(db: Executor, level: number, index: number): Promise<Buffer | undefined> {
  const r = await db.selectFrom("audit_nodes").select("hash").where("level", "=", level).where("idx", "=", index).executeTakeFirst();
  return r ? Buffer.from(r.hash) : undefined;
}

/** Entries with seq in [fromSeq, fromSeq + limit), in order. */
export async function readAuditEntries(db: Executor, fromSeq: number, limit: number): Promise<AuditEntry[]> {
  const rows = await db.selectFrom("audit_entries").selectAll().where("seq", ">=", fromSeq).orderBy("seq").limit(limit).execute();
  return rows.map(fromAuditRow);
}

/** A tenant's entries after `afterSeq`, oldest first (keyset pagination). */
export async function readTenantAuditEntries(db: Executor, tenantId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom("audit_entries")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows.map(fromAuditRow);
}

/** Level-0 nodes (stored leaf hashes) with index in [from, from + limit). */
export async function readAuditLeaves(db: Executor, from: number, limit: number): Promise<Array<{ idx: number; hash: Buffer }>> {
  const rows = await db.selectFrom("audit_nodes").select(["idx", "hash"]).where("level", "=", 0).where("idx", ">=", from).orderBy("idx").limit(limit).execute();
  return rows.map((r) => ({ idx: r.idx, hash: Buffer.from(r.hash) }));
}

/** Saves a signed tree head. */
export async function insertAuditHead(db: Executor, head: AuditHeadRow): Promise<void> {
  await db.insertInto("audit_heads").values(head).onConflict((oc) => oc.column("size").doNothing()).execute();
}

/** Signed heads, oldest first. */
export async function listAuditHeads(db: Executor): Promise<AuditHeadRow[]> {
  return db.selectFrom("audit_heads").selectAll().orderBy("size").execute();
}

/** The signed head of exactly `size` entries, if one was signed. */
export async function findAuditHead(db: Executor, size: number): Promise<AuditHeadRow | undefined> {
  return db.selectFrom("audit_heads").selectAll().where("size", "=", size).executeTakeFirst();
}

/** The newest signed head. */
export async function latestAuditHead(db: Executor): Promise<AuditHeadRow | undefined> {
  return db.selectFrom("audit_heads").selectAll().orderBy("size", "desc").limit(1).executeTakeFirst();
}

/** The signing key (there is one per installation; if two processes raced to create one, the oldest wins everywhere). */
export async function readSigningKey(db: Executor): Promise<AuditSigningKeyRow | undefined> {
  return db.selectFrom("audit_signing_keys").selectAll().orderBy("created_at").orderBy("id").limit(1).executeTakeFirst();
}

/** Every signing key's id and public half (for checking old heads). */
export async function listSigningPublicKeys(db: Executor): Promise<Array<{ id: string; public_key: string }>> {
  return db.selectFrom("audit_signing_keys").select(["id", "public_key"]).orderBy("created_at").orderBy("id").execute();
}

/** Stores the signing key; does nothing if one exists with that id. */
export async function insertSigningKey(db: Executor, row: AuditSigningKeyRow): Promise<void> {
  await db.insertInto("audit_signing_keys").values(row).onConflict((oc) => oc.column("id").doNothing()).execute();
}

/**
 * The stored tree as a node source for proofs (structurally the audit
 * folder's NodeSource port). Reads asked for in the same tick (a proof asks
 * for all its O(log n) nodes at once) go out as one query instead of one
 * round trip each. A missing node means the requested size is beyond the
 * log, or the table was tampered with.
 */
export function auditNodeSource(db: Executor): { node(level: number, index: number): Promise<Buffer> } {
  type Wanted = { level: number; index: number; resolve: (hash: Buffer) => void; reject: (e: unknown) => void };
  let queue: Wanted[] = [];
  const fetch = async (batch: Wanted[]): Promise<void> => {
    try {
      const found = new Map<string, Buffer>();
      for (let i = 0; i < batch.length; i += 500) {
        const part = batch.slice(i, i + 500);
        const rows = await db
          .selectFrom("audit_nodes")
          .select(["level", "idx", "hash"])
          .where((eb) => eb.or(part.map((w) => eb.and([eb("level", "=", w.level), eb("idx", "=", w.index)]))))
          .execute();
        for (const r of rows) found.set(`${r.level}:${r.idx}`, Buffer.from(r.hash));
      }
      for (const w of batch) {
        const hash = found.get(`${w.level}:${w.index}`);
        if (hash) w.resolve(hash);
        else w.reject(new SealroomError("not_found", `no stored Merkle node at level ${w.level}, index ${w.index}`));
      }
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  };
  return {
    node: (level, index) =>
      new Promise<Buffer>((resolve, reject) => {
        queue.push({ level, index, resolve, reject });
        if (queue.length > 1) return;
        queueMicrotask(() => {
          const batch = queue;
          queue = [];
          // fetch settles every waiter itself and never rejects, so nothing is left unhandled.
          void fetch(batch);
        });
      }),
  };
}

/** Stored nodes of one level with index in [from, to], for batch checks. */
export async function readAuditNodesOfLevel(db: Executor, level: number, from: number, to: number): Promise<Array<{ idx: number; hash: Buffer }>> {
  const rows = await db.selectFrom("audit_nodes").select(["idx", "hash"]).where("level", "=", level).where("idx", ">=", from).where("idx", "<=", to).execute();
  return rows.map((r) => ({ idx: r.idx, hash: Buffer.from(r.hash) }));
}

/** The number of entries the log's own state records. */
export async function readAuditSize(db: Executor): Promise<number> {
  return (await readAuditState(db, false)).size;
}
