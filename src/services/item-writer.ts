/**
 * Writes validated items into a project, a batch at a time, inside the
 * caller's transaction. `prepare` encodes a batch (row ids, blind indexes,
 * sealed payloads; possibly on the codec's worker thread) and `store` then
 * inserts those whose external id (blind index) the project does not have yet
 * (nor an earlier item of the same run), with increasing `seq` numbers, and
 * tells repeated items from changed ones by their content fingerprint. Never
 * overwrites a stored item. Batches must be stored in order.
 */
import { uuidv7 } from "../auth/ids.js";
import { existingContentKeys, insertNewItemRows } from "../store/repos/items.js";
import type { NewItemRow } from "../store/repos/projects.js";
import type { Tx } from "../store/store.js";
import type { EncodedBatch, ItemCodec } from "./item-codec.js";

/** An item ready to store: validated, with its content as stable JSON. */
export interface PendingItem {
  readonly line: number;
  readonly externalId: string;
  readonly isGold: boolean;
  readonly content: string;
}

/** A batch with its stored forms computed. */
export interface PreparedBatch {
  readonly items: readonly PendingItem[];
  readonly rowIds: readonly string[];
  readonly createdAt: number;
  readonly encoded: EncodedBatch;
}

/** What one batch did. */
export interface BatchOutcome {
  imported: number;
  duplicates: number;
  /** Items whose external id exists with other content: reported, not overwritten. */
  changed: Array<{ line: number; externalId: string }>;
}

/** Batch writer for one project; `seq` continues after the highest one the project uses. */
export class ItemWriter {
  #seq: number;

  constructor(
    private readonly tx: Tx,
    private readonly target: { readonly tenantId: string; readonly projectId: string },
    private readonly codec: ItemCodec,
    startSeq: number,
    private readonly now: () => number,
  ) {
    this.#seq = startSeq;
  }

  /** Encodes a batch: row ids, blind indexes, sealed payloads. Touches no table. */
  async prepare(items: readonly PendingItem[]): Promise<PreparedBatch> {
    const createdAt = this.now();
    const rowIds = items.map(() => uuidv7(createdAt));
    const encoded = await this.codec.encode(items.map((item, i) => ({ rowId: rowIds[i]!, externalId: item.externalId, content: item.content })));
    return { items, rowIds, createdAt, encoded };
  }

  /** Stores the new items of a prepared batch; counts the repeated and changed ones. */
  async store(batch: PreparedBatch): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { imported: 0, duplicates: 0, changed: [] };
    if (batch.items.length === 0) return outcome;
    const { tenantId, projectId } = this.target;
    const { externalKeys, contentKeys } = batch.encoded;
    // The first item of each external key is a candidate row; later ones in the batch compare against what ends up stored.
    const first = new Map<string, number>();
    const rows: NewItemRow[] = [];
    const repeats: number[] = [];
    batch.items.forEach((item, i) => {
      const ext = externalKeys[i]!;
      if (first.has(ext)) return void repeats.push(i);
      first.set(ext, i);
      rows.push(this.#row(batch, i));
    });
    const inserted = await insertNewItemRows(this.tx, tenantId, projectId, rows);
    const skipped = rows.filter((r) => !inserted.has(r.external_key)).map((r) => r.external_key);
    // The content now stored under each key: this batch's where it was inserted, the project's otherwise.
    const stored = skipped.length ? await existingContentKeys(this.tx, tenantId, projectId, skipped) : new Map<string, string | null>();
    for (const ext of inserted) stored.set(ext, contentKeys[first.get(ext)!]!);
    const compare = (i: number) => {
      // null: a row from before content fingerprints existed; it cannot be compared, so it is reported.
      if (stored.get(externalKeys[i]!) === contentKeys[i]) outcome.duplicates++;
      else outcome.changed.push({ line: batch.items[i]!.line, externalId: batch.items[i]!.externalId });
    };
    for (const ext of skipped) compare(first.get(ext)!);
    for (const i of repeats) compare(i);
    outcome.changed.sort((a, b) => a.line - b.line);
    outcome.imported = inserted.size;
    return outcome;
  }

  #row(batch: PreparedBatch, i: number): NewItemRow {
    const payload = batch.encoded.payloads[i]!;
    return {
      tenant_id: this.target.tenantId,
      project_id: this.target.projectId,
      id: batch.rowIds[i]!,
      external_key: batch.encoded.externalKeys[i]!,
      seq: ++this.#seq,
      is_gold: batch.items[i]!.isGold ? 1 : 0,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      created_at: batch.createdAt,
      content_key: batch.encoded.contentKeys[i]!,
    };
  }

  /** prepare then store. */
  async write(items: readonly PendingItem[]): Promise<BatchOutcome> {
    return this.store(await this.prepare(items));
  }
}
