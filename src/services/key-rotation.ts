/**
 * Rotating a tenant's data key, and moving its sealed values onto the new
 * version. Rotation creates version N+1 for new writes (the key row and its
 * audit entry commit together). Re-encryption then walks every tenant-sealed
 * column in batches, each batch its own transaction with its own audit entry,
 * so a crash loses at most one uncommitted batch: every row stays sealed under
 * some version the tenant still has, and therefore readable. A re-run finds
 * the unfinished re-encryption (key_rotations) and continues: rows already on
 * the current version are skipped by their blob header. Finally versions that
 * no value uses any more are retired (kept for opening, never for sealing).
 */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import type { SealContext } from "../seal/envelope.js";
import { sqlDataKeyStore } from "../store/repos/data-keys.js";
import { addRotationRows, finishRotation, findRunningRotation, insertRotation, type KeyRotationRow } from "../store/repos/key-rotations.js";
import {
  TENANT_SEALED_COLUMNS,
  countNotOnVersion,
  rowsNotOnVersion,
  updateSealedValue,
  versionsInUse,
  type SealedColumn,
} from "../store/repos/sealed-columns.js";
import type { TenantRow } from "../store/repos/tenants.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { getTenant } from "./tenants.js";

/** Values re-encrypted so far, of how many. */
export interface ReencryptProgress {
  readonly done: number;
  readonly total: number;
}

/** What `keys rotate` did. */
export interface RotationOutcome {
  /** The data-key version new writes use. */
  readonly version: number;
  /** True when an unfinished re-encryption was resumed instead of rotating again. */
  readonly resumed: boolean;
  /** Values moved onto `version` by this run (undefined without re-encryption). */
  readonly reencrypted?: number;
  /** Versions retired by this run. */
  readonly retired?: readonly number[];
}

/** Whether to re-encrypt, in what batches, with what progress callback. */
export interface RotateOptions {
  readonly reencrypt: boolean;
  /** Values per batch (per transaction). */
  readonly batch: number;
  readonly onProgress?: (p: ReencryptProgress) => void;
}

/** `keys rotate`: a new data-key version, then (optionally) re-encryption onto it; resumes an unfinished one. */
export async function rotateTenantKey(s: Services, tenantRef: string, options: RotateOptions, caller: Caller): Promise<RotationOutcome> {
  const tenant = await usableTenant(s, tenantRef);
  const running = options.reencrypt ? await findRunningRotation(s.store.db, tenant.id) : undefined;
  const rotation = running ?? (await rotate(s, tenant, options.reencrypt, caller));
  if (!options.reencrypt || rotation === undefined) return { version: (await s.keyring.current(tenant.id)).version, resumed: false };
  const reencrypted = await reencrypt(s, tenant, rotation, options, caller);
  return { ...reencrypted, resumed: running !== undefined };
}

async function usableTenant(s: Services, ref: string): Promise<TenantRow> {
  const tenant = await getTenant(s, ref);
  if (tenant.status === "shredded") throw new SealroomError("shredded", "This tenant was shredded; it has no keys to rotate.");
  return tenant;
}

/** Creates the next version and records it; with `track`, also the re-encryption about to start. */
async function rotate(s: Services, tenant: TenantRow, track: boolean, caller: Caller): Promise<KeyRotationRow | undefined> {
  // Load the ring first: the first key of a tenant is created through the key store's own connection.
  await s.keyring.current(tenant.id);
  return s.store.transaction(async (tx) => {
    const version = await s.keyring.rotate(tenant.id, sqlDataKeyStore(tx));
    await s.audit.record(tx, eventBy(caller, { tenantId: tenant.id, action: "keys.rotate", objectType: "tenant", objectId: tenant.id, detail: { version } }));
    if (!track) return undefined;
    const now = s.now();
    const row: KeyRotationRow = { tenant_id: tenant.id, id: uuidv7(now), target_version: version, status: "running", rows_done: 0, started_at: now, finished_at: null };
    await insertRotation(tx, row);
    return row;
  });
}

async function reencrypt(s: Services, tenant: TenantRow, rotation: KeyRotationRow, options: RotateOptions, caller: Caller): Promise<RotationOutcome> {
  const batch = Math.max(1, Math.min(options.batch, 10_000));
  const sealer = await s.sealer.forTenant(tenant.id);
  let total = 0;
  for (const c of TENANT_SEALED_COLUMNS) total += await countNotOnVersion(s.store.db, c, tenant.id, sealer.version);
  let done = 0;
  options.onProgress?.({ done, total });
  for (const c of TENANT_SEALED_COLUMNS) {
    let after = "";
    for (;;) {
      const moved = await reencryptBatch(s, tenant.id, c, rotation, sealer, after, batch, caller);
      if (moved.count === 0) break;
      after = moved.last;
      done += moved.count;
      options.onProgress?.({ done, total: Math.max(total, done) });
    }
  }
  const retired = await retireUnused(s, tenant.id, sealer.version);
  await s.store.transaction(async (tx) => {
    await finishRotation(tx, tenant.id, rotation.id, s.now());
    const detail = { version: sealer.version, rotationId: rotation.id, values: done, retired, finished: true };
    await s.audit.record(tx, eventBy(caller, { tenantId: tenant.id, action: "keys.reencrypt", objectType: "tenant", objectId: tenant.id, detail }));
  });
  return { version: sealer.version, resumed: false, reencrypted: done, retired };
}

/** Re-seals up to `limit` values of one column after `after`, in one transaction with its audit entry. */
async function reencryptBatch(
  s: Services,
  tenantId: string,
  c: SealedColumn,
  rotation: KeyRotationRow,
  sealer: { version: number; seal(ctx: SealContext, plaintext: Uint8Array): Buffer },
  after: string,
  limit: number,
  caller: Caller,
): Promise<{ count: number; last: string }> {
  return s.store.transaction(async (tx) => {
    const rows = await rowsNotOnVersion(tx, c, tenantId, sealer.version, after, limit);
    for (const row of rows) {
      const ctx: SealContext = { tenantId, table: c.table, rowId: row.id, field: c.column };
      const plain = await s.sealer.open(ctx, row.blob);
      try {
        await updateSealedValue(tx, c, tenantId, row.id, sealer.seal(ctx, plain));
      } finally {
        plain.fill(0);
      }
    }
    if (rows.length === 0) return { count: 0, last: after };
    await addRotationRows(tx, tenantId, rotation.id, rows.length);
    const detail = { version: sealer.version, rotationId: rotation.id, table: c.table, field: c.column, values: rows.length };
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "keys.reencrypt", objectType: "tenant", objectId: tenantId, detail }));
    return { count: rows.length, last: rows[rows.length - 1]!.id };
  });
}

/** Retires every active version below `current` that no sealed value of the tenant uses; returns them. */
async function retireUnused(s: Services, tenantId: string, current: number): Promise<number[]> {
  const used = new Set<number>();
  for (const c of TENANT_SEALED_COLUMNS) for (const v of await versionsInUse(s.store.db, c, tenantId)) used.add(v);
  const retired: number[] = [];
  for (const key of await sqlDataKeyStore(s.store.db).list(tenantId)) {
    if (key.status !== "active" || key.version >= current || used.has(key.version)) continue;
    await s.keyring.retire(tenantId, key.version);
    retired.push(key.version);
  }
  return retired;
}
