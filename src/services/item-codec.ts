/**
 * How items are written at rest (see item-encoding.ts), behind a small port
 * so an import can move the crypto off its own thread: with a single core the
 * import thread would parse, validate, hash, seal and insert in turn; with
 * the worker, hashing and sealing of batch k+1 run while batch k is inserted.
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { SealroomError } from "../domain/errors.js";
import type { Services } from "./context.js";
import { encodeItems, itemKeys, type EncodedBatch, type ItemKeys, type ItemToEncode } from "./item-encoding.js";

/** Batch shapes of the codec (defined in item-encoding.ts). */
export type { EncodedBatch, ItemToEncode };

/** Turns items into their stored form; `close` releases a worker if one was started. */
export interface ItemCodec {
  /** Blind indexes and payloads of a batch, index for index. */
  encode(items: readonly ItemToEncode[]): Promise<EncodedBatch>;
  close(): Promise<void>;
}

/** Batches at least this large go to the worker (smaller imports never start one). */
const WORKER_MIN_BATCH = 500;

/**
 * The production codec of a tenant: loads (or creates) its index key and
 * current data key, so call it before opening a transaction. With `worker`,
 * large batches are encoded on a worker thread started on first need.
 */
export async function sealedItemCodec(s: Services, tenantId: string, options: { worker?: boolean } = {}): Promise<ItemCodec> {
  const indexKey = await s.keyring.indexKey(tenantId);
  const { version, key } = await s.keyring.current(tenantId);
  const keys = itemKeys(tenantId, version, key, indexKey);
  let worker: CodecWorker | undefined;
  return {
    encode: async (items) => {
      if (!options.worker || items.length < WORKER_MIN_BATCH) return encodeItems(keys, items);
      worker ??= new CodecWorker(keys);
      return worker.encode(items);
    },
    close: async () => worker?.close(),
  };
}

/** One worker thread encoding batches in order. */
class CodecWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(b: EncodedBatch): void; reject(e: Error): void }>();
  #next = 0;
  #failure: Error | undefined;

  constructor(keys: ItemKeys) {
    this.#worker = spawn();
    this.#worker.on("message", (m: { id: number; result?: EncodedBatch; error?: true }) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.result) p?.resolve({ externalKeys: m.result.externalKeys, contentKeys: m.result.contentKeys, payloads: m.result.payloads.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)) });
      else p?.reject(new SealroomError("internal", "sealing a batch failed"));
    });
    const fail = (e: Error) => {
      this.#failure = e;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    this.#worker.on("error", () => fail(new SealroomError("internal", "the sealing worker failed")));
    this.#worker.on("exit", () => fail(new SealroomError("internal", "the sealing worker stopped")));
    this.#worker.postMessage({ type: "keys", keys });
  }

  encode(items: readonly ItemToEncode[]): Promise<EncodedBatch> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ type: "encode", id, items });
    });
  }

  async close(): Promise<void> {
    this.#worker.removeAllListeners("exit");
    await this.#worker.terminate();
  }
}

/**
 * Starts the worker. Built code runs item-codec-worker.js directly. From the
 * TypeScript sources (tsx, vitest) a worker cannot load a .ts entry by
 * itself, so a two-line bootstrap registers tsx (a dev dependency, present
 * whenever sources are run) in the worker first.
 */
function spawn(): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./item-codec-worker.js", here));
  const tsxApi = pathToFileURL(join(dirname(createRequire(here).resolve("tsx/package.json")), "dist/esm/api/index.mjs")).href;
  const entry = new URL("./item-codec-worker.ts", here).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}));`, { eval: true });
}
