/**
 * `keys rotate-master`: rewraps every data key (and index key) of every
 * tenant under a new master key, touching no sealed row: the data keys do not
 * change, only their wrapping. Recoverable after a crash: each key row is
 * rewrapped on its own, rows already under the new master key are skipped,
 * and until the run completes the key ring accepts both master keys; running
 * the same command again (old key still configured) finishes the job. The
 * audit entry follows the rewrap, since the rewrap goes through the key
 * store's own connection and cannot share a transaction with it.
 */
import type { Kek } from "../seal/kek.js";
import { INSTALLATION_SCOPE, eventBy, type Caller, type Services } from "./context.js";

/** The master key ids before and after, and how many keys were rewrapped. */
export interface MasterRotationOutcome {
  readonly from: string;
  readonly to: string;
  readonly rewrapped: number;
}

/** Rewraps all data keys under `next`; afterwards this process's key ring uses `next`. */
export async function rotateMasterKey(s: Services, next: Kek, caller: Caller): Promise<MasterRotationOutcome> {
  const from = s.keyring.kekId;
  const rewrapped = await s.keyring.rewrapAll(next);
  await s.store.transaction(async (tx) => {
    const detail = { fromKekId: from, toKekId: next.id, rewrapped };
    await s.audit.record(tx, eventBy(caller, { tenantId: null, action: "keys.rotate_master", objectType: "installation", objectId: INSTALLATION_SCOPE, detail }));
  });
  return { from, to: next.id, rewrapped };
}
