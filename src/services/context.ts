/**
 * What every service receives: the store, the sealer, the configuration, a
 * clock and a logger. Services take this as a parameter (no globals), so
 * tests build one over a real database and a fixed clock.
 */
import type { Config } from "../config/config.js";
import type { Logger } from "../log/logger.js";
import type { Keyring, Sealer } from "../seal/keyring.js";
import type { Store } from "../store/store.js";

export interface Services {
  readonly config: Config;
  readonly store: Store;
  readonly keyring: Keyring;
  readonly sealer: Sealer;
  readonly log: Logger;
  /** Milliseconds since the epoch; tests move it. */
  readonly now: () => number;
}

/** Who is asking and from where, for throttling and (later) the audit log. */
export interface RequestMeta {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
}

/** The key ring scope for installation-wide secrets (users are not in a tenant). */
export const INSTALLATION_SCOPE = "installation";
