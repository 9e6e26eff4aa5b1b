/**
 * The per-item crypto of an import, as a pure function of the keys so it can
 * run on the import's thread or on a worker thread (item-codec-worker.ts):
 * the external id and the content become 128-bit HMAC-SHA256 blind indexes
 * (RFC 2104) under two purpose-bound sub-keys of the tenant's index key, and
 * the content is sealed (AES-256-GCM) under the current data key, bound to
 * its row.
 */
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { sealWithKey } from "../seal/envelope.js";

/** Everything encoding needs; KeyObjects can be posted to a worker thread. */
export interface ItemKeys {
  readonly tenantId: string;
  readonly version: number;
  readonly dataKey: KeyObject;
  readonly externalIdKey: KeyObject;
  readonly contentKey: KeyObject;
}

/** One item to encode: the row it will live in, its external id, its content (stable JSON). */
export interface ItemToEncode {
  readonly rowId: string;
  readonly externalId: string;
  readonly content: string;
}

/** The stored forms of a batch, index for index. */
export interface EncodedBatch {
  readonly externalKeys: string[];
  readonly contentKeys: string[];
  readonly payloads: Uint8Array[];
}

/** 128 bits: collisions stay out of reach (birthday bound 2^64 items) and the unique index stays small. */
const BLIND_INDEX_BYTES = 16;

/** Derives the two blind-index sub-keys from the index key (one per purpose, so the two indexes never share values). */
export function itemKeys(tenantId: string, version: number, dataKey: KeyObject, indexKey: KeyObject): ItemKeys {
  return { tenantId, version, dataKey, externalIdKey: subKey(indexKey, "sealroom-external-id/v1"), contentKey: subKey(indexKey, "sealroom-item-content/v1") };
}

/** The blind index of an external id. */
function externalIdIndex(keys: ItemKeys, externalId: string): string {
  return createHmac("sha256", keys.externalIdKey).update(externalId, "utf8").digest().toString("hex", 0, BLIND_INDEX_BYTES);
}

/** Blind indexes and sealed payloads for a batch. */
export function encodeItems(keys: ItemKeys, items: readonly ItemToEncode[]): EncodedBatch {
  const out: EncodedBatch = { externalKeys: [], contentKeys: [], payloads: [] };
  for (const item of items) {
    const content = Buffer.from(item.content, "utf8");
    out.externalKeys.push(externalIdIndex(keys, item.externalId));
    out.contentKeys.push(createHmac("sha256", keys.contentKey).update(content).digest().toString("hex", 0, BLIND_INDEX_BYTES));
    out.payloads.push(sealWithKey(keys.dataKey, keys.version, { tenantId: keys.tenantId, table: "items", rowId: item.rowId, field: "payload" }, content));
  }
  return out;
}

function subKey(key: KeyObject, label: string): KeyObject {
  const raw = createHmac("sha256", key).update(label, "utf8").digest();
  try {
    return createSecretKey(raw);
  } finally {
    raw.fill(0);
  }
}
