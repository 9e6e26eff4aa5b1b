/**
 * Builds the Services of a running core: opens the store and migrates it,
 * loads (or creates) the master key file, and wires the key ring and sealer.
 */
import type { Config } from "../config/config.js";
import type { Logger } from "../log/logger.js";
import type { Kek } from "../seal/kek.js";
import { loadOrCreateKeyFile } from "../seal/kek.js";
import { Keyring, Sealer } from "../seal/keyring.js";
import { uuidv7 } from "../auth/ids.js";
import { SqlAuditLog } from "../services/audit-log.js";
import type { Services } from "../services/context.js";
import { sqlDataKeyStore } from "../store/repos/data-keys.js";
import { ensureInstallation } from "../store/repos/installation.js";
import { openStore, type StoreOptions } from "../store/store.js";

export interface BootOptions {
  readonly log: Logger;
  /** A KEK to use instead of the key file (tests). */
  readonly kek?: Kek;
  readonly store?: StoreOptions;
  readonly now?: () => number;
}

/** Opens everything a core process needs; the caller closes `store` when done. */
export async function bootServices(config: Config, options: BootOptions): Promise<Services> {
  const kek = options.kek ?? (await loadOrCreateKeyFile(config.keyFile));
  const store = openStore(config, options.store);
  try {
    await store.migrate();
    const now = options.now ?? Date.now;
    await ensureInstallation(store.db, uuidv7(now()), now());
    const keyring = new Keyring(kek, sqlDataKeyStore(store.side), now);
    return { config, store, keyring, sealer: new Sealer(keyring), audit: new SqlAuditLog(store.kind, now), log: options.log, now };
  } catch (e) {
    await store.close();
    throw e;
  }
}
