/**
 * The gateway key model assist calls with: one per project, bound to the
 * project (so the gateway charges its calls to it, and refuses them while it
 * is paused) and to the project's assist alias only. Made on the project's
 * first assist run with createGatewayKey, which shows a secret once; that
 * secret is kept sealed (project_assist_keys.secret) because the core must
 * present it again on later runs. It is never logged, audited or returned by
 * any API. A key revoked by a lab admin, or made for an alias the project no
 * longer uses, is replaced (and the old one revoked) on the next run.
 */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { findAssistKey, insertAssistKey, replaceAssistKey, type AssistKeyRow } from "../store/repos/assist.js";
import { findGatewayKey } from "../store/repos/gateway.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { createGatewayKey, revokeGatewayKey } from "./gateway-keys.js";
import type { WorkContext } from "./work-access.js";

/** The name of every assist key (the gateway key list shows it; usage reports sum by it). */
export const ASSIST_KEY_NAME = "model assist";

const secretContext = (row: Pick<AssistKeyRow, "tenant_id" | "id">) => ({ tenantId: row.tenant_id, table: "project_assist_keys", rowId: row.id, field: "secret" }) as const;

/** Whether the recorded key still serves `model`: live, unexpired, for that alias. */
async function usable(s: Services, row: AssistKeyRow, model: string): Promise<boolean> {
  if (row.model !== model) return false;
  const key = await findGatewayKey(s.store.db, row.key_id);
  return key !== undefined && key.tenant_id === row.tenant_id && key.revoked_at === null && (key.expires_at === null || key.expires_at > s.now());
}

/** Revokes a key, tolerating one that is already revoked. */
async function revokeQuietly(s: Services, tenantId: string, keyId: string, caller: Caller): Promise<void> {
  try {
    await revokeGatewayKey(s, tenantId, keyId, caller);
  } catch (e) {
    if (!(e instanceof SealroomError && e.code === "not_found")) throw e;
  }
}

/**
 * The secret of the project's assist key for `model`, making (or replacing)
 * the key when needed; `fresh` when it was just made (a gateway in another
 * process learns of it with its next poll).
 */
export async function assistKeySecret(s: Services, ctx: WorkContext, model: string, caller: Caller): Promise<{ secret: string; fresh: boolean }> {
  const tenantId = ctx.tenant.id;
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await findAssistKey(s.store.db, tenantId, ctx.project.id);
    if (existing && (await usable(s, existing, model))) return { secret: await s.sealer.openText(secretContext(existing), existing.secret), fresh: false };
    const made = await createGatewayKey(s, tenantId, caller.actorId ?? "sealroom", { name: ASSIST_KEY_NAME, projectId: ctx.project.id, models: [model] }, caller);
    await s.keyring.current(tenantId);
    const now = s.now();
    const id = existing?.id ?? uuidv7(now);
    const row: AssistKeyRow = { tenant_id: tenantId, id, project_id: ctx.project.id, key_id: made.row.id, model, secret: await s.sealer.seal(secretContext({ tenant_id: tenantId, id }), made.secret), created_at: now };
    const recorded = await s.store.transaction(async (tx) => {
      const ok = existing ? await replaceAssistKey(tx, row, existing.key_id) : await insertAssistKey(tx, row);
      if (ok) {
        const detail = { projectId: ctx.project.id, keyId: made.row.id, model, replaced: existing?.key_id ?? null };
        await s.audit.record(tx, eventBy(caller, { tenantId, action: "assist.key", objectType: "project", objectId: ctx.project.id, detail }));
      }
      return ok;
    });
    if (recorded) {
      if (existing) await revokeQuietly(s, tenantId, existing.key_id, caller);
      return { secret: made.secret, fresh: true };
    }
    // Another run recorded a key first: drop ours and use theirs.
    await revokeQuietly(s, tenantId, made.row.id, caller);
  }
  throw new SealroomError("conflict", "Another assist run is setting up this project's gateway key; try again.");
}
