/**
 * Worker-thread entry of the import codec: receives the tenant's keys once,
 * then batches of items, and answers each with their blind indexes and
 * sealed payloads (encodeItems). Runs nothing else, holds no other state.
 */
import { parentPort } from "node:worker_threads";
import { encodeItems, type ItemKeys, type ItemToEncode } from "./item-encoding.js";

type Message = { type: "keys"; keys: ItemKeys } | { type: "encode"; id: number; items: ItemToEncode[] };

let keys: ItemKeys | undefined;
parentPort?.on("message", (m: Message) => {
  if (m.type === "keys") {
    keys = m.keys;
    return;
  }
  try {
    if (!keys) throw new Error("no keys");
    const result = encodeItems(keys, m.items);
    // Each payload gets its own exact buffer, moved (not copied) to the import thread; no shared pool slab crosses.
    const payloads = result.payloads.map((p) => new Uint8Array(p));
    parentPort?.postMessage({ id: m.id, result: { ...result, payloads } }, payloads.map((p) => p.buffer));
  } catch {
    // The error itself stays here: it could carry key or item details across.
    parentPort?.postMessage({ id: m.id, error: true });
  }
});
