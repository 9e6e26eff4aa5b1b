/**
 * Per-tenant, versioned data keys, wrapped by the KEK and kept in storage
 * through the `DataKeyStore` port (implemented with Kysely in src/store).
 * Unwrapped keys live only in process memory, as KeyObjects, for a bounded
 * time, so a shred or rotation done by another process takes effect here too.
 */
import { createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { SealroomError, isSealroomError } from "../domain/errors.js";
import { decryptionFailed, openWithKey, readKeyVersion, sealWithKey, type SealContext } from "./envelope.js";
import type { Kek } from "./kek.js";

/**
 * "active" and "retired" data keys seal (only the highest active one) and
 * open values; the one "index" key per tenant (version 0) never seals: it
 * keys the tenant's blind indexes (keyed hashes of external ids and content).
 */
export type DataKeyStatus = "active" | "retired" | "index";

/**
 * The version the tenant's index key is stored under. No sealed blob can name
 * version 0 (readKeyVersion refuses it), so the index key can never be used
 * to open a value, and as a row of the data-key store it is rewrapped by
 * rewrapAll and destroyed by shred exactly like the data keys.
 */
export const INDEX_KEY_VERSION = 0;

/** One stored data key: the key itself only ever wrapped under a KEK. */
export interface WrappedDataKey {
  tenantId: string;
  version: number;
  wrapped: Buffer;
  kekId: string;
  status: DataKeyStatus;
  createdAt: number;
}

/**
 * Storage port for wrapped data keys. `insert` must reject a second row for
 * the same (tenantId, version) with SealroomError("conflict"); `shred` deletes
 * every row of the tenant and remembers that it did.
 */
export interface DataKeyStore {
  list(tenantId: string): Promise<WrappedDataKey[]>;
  insert(row: WrappedDataKey): Promise<void>;
  updateWrapped(tenantId: string, version: number, wrapped: Buffer, kekId: string): Promise<void>;
  setStatus(tenantId: string, version: number, status: DataKeyStatus): Promise<void>;
  listAll(): Promise<WrappedDataKey[]>;
  shred(tenantId: string): Promise<void>;
  isShredded(tenantId: string): Promise<boolean>;
}

const DATA_KEY_BYTES = 32;
/** How long unwrapped keys stay cached before the store is consulted again. */
const CACHE_TTL_MS = 60_000;

interface TenantKeys {
  loadedAt: number;
  keys: Map<number, KeyObject>;
  status: Map<number, DataKeyStatus>;
}

/** The label bound to a wrapped data key, so it cannot be moved to another tenant or version. */
export function dataKeyLabel(tenantId: string, version: number): string {
  return `tenant:${tenantId}:v${version}`;
}

function shreddedError(): SealroomError {
  return new SealroomError("shredded", "this tenant's data keys were destroyed; its sealed data cannot be read");
}

/** Issues, caches, rotates, rewraps and shreds per-tenant data keys. */
export class Keyring {
  #kek: Kek;
  /** KEKs able to unwrap, by id: just #kek, plus the old one while a rewrap is unfinished. */
  #unwrappers: Map<string, Kek>;
  readonly #store: DataKeyStore;
  readonly #now: () => number;
  readonly #cache = new Map<string, TenantKeys>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #shredded = new Set<string>();

  constructor(kek: Kek, store: DataKeyStore, now: () => number = Date.now) {
    this.#kek = kek;
    this.#unwrappers = new Map([[kek.id, kek]]);
    this.#store = store;
    this.#now = now;
  }

  /** The key new values are sealed with: the highest active version, created on first use. */
  async current(tenantId: string): Promise<{ version: number; key: KeyObject }> {
    const cached = this.#fresh(tenantId);
    const hit = cached === undefined ? undefined : currentOf(cached);
    if (hit !== undefined) return hit;
    return this.#exclusive(tenantId, async () => {
      const tenant = await this.#tenant(tenantId);
      return currentOf(tenant) ?? (await this.#create(tenantId, tenant));
    });
  }

  /**
   * The tenant's index key, created on first use: a separate random key (not
   * derived from any data key), so blind indexes stay stable across data-key
   * rotation and retirement, and die with the tenant's other keys on shred.
   */
  async indexKey(tenantId: string): Promise<KeyObject> {
    const key = this.#fresh(tenantId)?.keys.get(INDEX_KEY_VERSION);
    if (key !== undefined) return key;
    const load = () =>
      this.#exclusive(tenantId, async () => {
        const tenant = await this.#tenant(tenantId, true);
        return tenant.keys.get(INDEX_KEY_VERSION) ?? (await this.#create(tenantId, tenant, INDEX_KEY_VERSION)).key;
      });
    try {
      return await load();
    } catch (e) {
      // Another process created it between our read and our insert: theirs is the one.
      if (isSealroomError(e, "conflict")) return load();
      throw e;
    }
  }

  /** The key of one version (active or retired); decryption_failed when there is none. */
  async byVersion(tenantId: string, version: number): Promise<KeyObject> {
    if (!Number.isInteger(version) || version < 1) throw decryptionFailed();
    const key = this.#fresh(tenantId)?.keys.get(version);
    if (key !== undefined) return key;
    // Not cached: maybe created by another process since we loaded; reload once.
    return this.#exclusive(tenantId, async () => {
      const reloaded = await this.#tenant(tenantId, true);
      const found = reloaded.keys.get(version);
      if (found === undefined) throw decryptionFailed();
      return found;
    });
  }

  /**
   * Creates a new data-key version that becomes current; returns its number.
   * With `within` (a store bound to the caller's transaction) the new key is
   * written there and not cached: it exists only if that transaction commits,
   * and this keyring reloads on next use rather than risk sealing with a key
   * a rollback threw away.
   */
  async rotate(tenantId: string, within?: DataKeyStore): Promise<number> {
    return this.#exclusive(tenantId, async () => {
      const tenant = await this.#tenant(tenantId, true);
      if (within === undefined) return (await this.#create(tenantId, tenant)).version;
      const version = Math.max(0, ...tenant.status.keys()) + 1;
      const raw = randomBytes(DATA_KEY_BYTES);
      try {
        const wrapped = await this.#kek.wrap(raw, dataKeyLabel(tenantId, version));
        await within.insert({ tenantId, version, wrapped, kekId: this.#kek.id, status: "active", createdAt: this.#now() });
      } finally {
        raw.fill(0);
        this.#cache.delete(tenantId);
      }
      return version;
    });
  }

  /** The id of the master key new data keys are wrapped under. */
  get kekId(): string {
    return this.#kek.id;
  }

  /** Stops sealing with `version`; values sealed under it still open. */
  async retire(tenantId: string, version: number): Promise<void> {
    await this.#exclusive(tenantId, async () => {
      const tenant = await this.#tenant(tenantId, true);
      if (!tenant.status.has(version) || tenant.status.get(version) === "index") {
        throw new SealroomError("bad_request", `tenant ${tenantId} has no data key version ${version}`);
      }
      await this.#store.setStatus(tenantId, version, "retired");
      tenant.status.set(version, "retired");
    });
  }

  /**
   * Rewraps every stored data key under `newKek` (sealed rows are untouched:
   * the data keys themselves do not change) and switches this keyring to it.
   * Rows already under `newKek` are skipped, so an interrupted run can be
   * repeated; until a run completes, both KEKs can unwrap. Returns how many
   * keys were rewrapped.
   */
  async rewrapAll(newKek: Kek): Promise<number> {
    this.#unwrappers.set(newKek.id, newKek);
    this.#kek = newKek;
    // A second pass catches a key created under the old KEK while the first ran.
    const count = (await this.#rewrapPass(newKek)) + (await this.#rewrapPass(newKek));
    this.#unwrappers = new Map([[newKek.id, newKek]]);
    return count;
  }

  /** Crypto-shreds a tenant: forgets its cached keys and deletes every stored one. */
  async shred(tenantId: string): Promise<void> {
    await this.#exclusive(tenantId, async () => {
      this.#shredded.add(tenantId);
      this.#cache.delete(tenantId);
      await this.#store.shred(tenantId);
    });
  }

  async #rewrapPass(newKek: Kek): Promise<number> {
    let count = 0;
    for (const row of await this.#store.listAll()) {
      if (row.kekId === newKek.id) continue;
      const label = dataKeyLabel(row.tenantId, row.version);
      const plain = await this.#unwrapperFor(row).unwrap(row.wrapped, label);
      try {
        const wrapped = await newKek.wrap(plain, label);
        await this.#store.updateWrapped(row.tenantId, row.version, wrapped, newKek.id);
      } finally {
        plain.fill(0);
      }
      count += 1;
    }
    return count;
  }

  #fresh(tenantId: string): TenantKeys | undefined {
    requireTenant(tenantId);
    if (this.#shredded.has(tenantId)) throw shreddedError();
    const tenant = this.#cache.get(tenantId);
    if (tenant === undefined || this.#now() - tenant.loadedAt >= CACHE_TTL_MS) return undefined;
    return tenant;
  }

  /** Cached keys, or every version loaded and unwrapped from the store. Call under the lock. */
  async #tenant(tenantId: string, reload = false): Promise<TenantKeys> {
    const cached = this.#fresh(tenantId);
    if (cached !== undefined && !reload) return cached;
    const previous = this.#cache.get(tenantId);
    const rows = await this.#store.list(tenantId);
    if (rows.length === 0 && (await this.#store.isShredded(tenantId))) {
      this.#shredded.add(tenantId);
      this.#cache.delete(tenantId);
      throw shreddedError();
    }
    const tenant: TenantKeys = { loadedAt: this.#now(), keys: new Map(), status: new Map() };
    for (const row of rows) {
      // A version's key never changes (a rewrap changes only its wrapping), so
      // keys already unwrapped are reused rather than sent to the KEK again.
      tenant.keys.set(row.version, previous?.keys.get(row.version) ?? (await this.#unwrap(row)));
      tenant.status.set(row.version, row.status);
    }
    this.#cache.set(tenantId, tenant);
    return tenant;
  }

  /** Inserts data-key version max+1 (or the index key) under the current KEK and caches it. Call under the lock. */
  async #create(tenantId: string, tenant: TenantKeys, index?: typeof INDEX_KEY_VERSION): Promise<{ version: number; key: KeyObject }> {
    const version = index ?? Math.max(0, ...tenant.status.keys()) + 1;
    const status: DataKeyStatus = index === undefined ? "active" : "index";
    const raw = randomBytes(DATA_KEY_BYTES);
    let key: KeyObject;
    try {
      const wrapped = await this.#kek.wrap(raw, dataKeyLabel(tenantId, version));
      await this.#store.insert({
        tenantId,
        version,
        wrapped,
        kekId: this.#kek.id,
        status,
        createdAt: this.#now(),
      });
      key = createSecretKey(raw);
    } catch (e) {
      // Another process inserted this version first: forget our view so the next call reloads.
      if (isSealroomError(e, "conflict")) this.#cache.delete(tenantId);
      throw e;
    } finally {
      raw.fill(0);
    }
    tenant.keys.set(version, key);
    tenant.status.set(version, status);
    return { version, key };
  }

  async #unwrap(row: WrappedDataKey): Promise<KeyObject> {
    const plain = await this.#unwrapperFor(row).unwrap(row.wrapped, dataKeyLabel(row.tenantId, row.version));
    try {
      if (plain.length !== DATA_KEY_BYTES) throw decryptionFailed();
      return createSecretKey(plain);
    } finally {
      plain.fill(0);
    }
  }

  #unwrapperFor(row: WrappedDataKey): Kek {
    const kek = this.#unwrappers.get(row.kekId);
    if (kek === undefined) {
      throw new SealroomError(
        "config_invalid",
        `data key v${row.version} of tenant ${row.tenantId} is wrapped under master key ${row.kekId}, ` +
          `but the configured master key is ${this.#kek.id}; configure the right key or finish the rewrap`,
      );
    }
    return kek;
  }

  /** Runs `fn` after every earlier call for this tenant has settled (a per-tenant mutex). */
  async #exclusive<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    requireTenant(tenantId);
    const previous = this.#locks.get(tenantId) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.#locks.set(tenantId, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(tenantId) === tail) this.#locks.delete(tenantId);
    }
  }
}

function requireTenant(tenantId: string): void {
  if (typeof tenantId !== "string" || tenantId.length === 0) {
    throw new SealroomError("bad_request", "a tenant id is required");
  }
}

function currentOf(tenant: TenantKeys): { version: number; key: KeyObject } | undefined {
  let best: number | undefined;
  for (const [version, status] of tenant.status) {
    if (status === "active" && (best === undefined || version > best)) best = version;
  }
  const key = best === undefined ? undefined : tenant.keys.get(best);
  return best === undefined || key === undefined ? undefined : { version: best, key };
}

/** Seals and opens values with the tenant's data keys. */
export class Sealer {
  readonly #keyring: Keyring;

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /** Seals with the tenant's current data key; strings are sealed as UTF-8. */
  async seal(ctx: SealContext, plaintext: Uint8Array | string): Promise<Buffer> {
    const bytes = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
    const { version, key } = await this.#keyring.current(ctx.tenantId);
    return sealWithKey(key, version, ctx, bytes);
  }

  /**
   * A synchronous sealer bound to the tenant's current data key, for bulk
   * writes (imports, re-encryption) that seal thousands of values per batch
   * and should not await the key ring for each. Take a fresh one per batch or
   * per run: it keeps sealing with the version current when it was made.
   */
  async forTenant(tenantId: string): Promise<{ version: number; seal(ctx: SealContext, plaintext: Uint8Array): Buffer }> {
    const { version, key } = await this.#keyring.current(tenantId);
    return {
      version,
      seal: (ctx, plaintext) => {
        if (ctx.tenantId !== tenantId) throw new SealroomError("bad_request", "this sealer is bound to another tenant");
        return sealWithKey(key, version, ctx, plaintext);
      },
    };
  }

  /** Opens a blob with the version it names; decryption_failed or shredded on failure. */
  async open(ctx: SealContext, blob: Uint8Array): Promise<Buffer> {
    const snapshot = Buffer.from(blob);
    const version = readKeyVersion(snapshot);
    const key = await this.#keyring.byVersion(ctx.tenantId, version);
    return openWithKey(key, ctx, snapshot);
  }

  /** Opens a blob sealed from a string. */
  async openText(ctx: SealContext, blob: Uint8Array): Promise<string> {
    const bytes = await this.open(ctx, blob);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new SealroomError("bad_request", "the sealed value is bytes, not UTF-8 text");
    }
  }
}
