/**
 * Stable JSON for items: object keys sorted by UTF-16 code units, no
 * whitespace (the `item_hash` form of design/claim-verification.md 2.1), so
 * the same item always yields the same bytes whatever key order the lab's
 * exporter used. Input is JSON.parse/zod output: plain objects, arrays,
 * strings, finite numbers, booleans and null; `undefined` members are
 * dropped as JSON.stringify drops them.
 */
import { SealroomError } from "../errors.js";

/** Serializes a parsed JSON value with sorted keys. */
export function stableJson(value: unknown): string {
  return write(value, 0);
}

/** Deeper than this is refused (JSON.parse accepts deeper input, our recursion should not). */
const MAX_DEPTH = 200;

function write(value: unknown, depth: number): string {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new SealroomError("bad_request", "numbers must be finite");
    return JSON.stringify(value);
  }
  if (depth >= MAX_DEPTH) throw new SealroomError("bad_request", `items may nest at most ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + (value[i] === undefined ? "null" : write(value[i], depth + 1));
    return `${out}]`;
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let out = "{";
    let first = true;
    for (const k of keys) {
      const v = record[k];
      if (v === undefined) continue;
      out += `${first ? "" : ","}${JSON.stringify(k)}:${write(v, depth + 1)}`;
      first = false;
    }
    return `${out}}`;
  }
  throw new SealroomError("bad_request", `a ${typeof value} cannot be stored in an item`);
}
