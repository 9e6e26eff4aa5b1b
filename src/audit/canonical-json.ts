/**
 * Canonical JSON for audit entries, so the same entry always hashes to the
 * same leaf. Follows the JSON Canonicalization Scheme, RFC 8785:
 * - §3.2.1: no whitespace between tokens;
 * - §3.2.2.2: strings escaped as ECMAScript JSON.stringify does;
 * - §3.2.2.3: numbers serialized as ECMAScript Number.prototype.toString
 *   (what JSON.stringify emits; -0 becomes 0), non-finite numbers rejected;
 * - §3.2.3: object members sorted by the UTF-16 code units of their names.
 * Deviation: a lone surrogate in a string is escaped (\udxxx) as
 * JSON.stringify does rather than rejected as I-JSON (RFC 7493 §2.1) would;
 * the output stays deterministic.
 * Stricter than JSON.stringify: undefined, functions, symbols, bigint,
 * array holes, cycles and non-plain objects (Date, Map, class instances,
 * Buffers…) are rejected instead of being dropped or converted, and
 * toJSON methods are never called.
 */
import { SealroomError } from "../domain/errors.js";

/** Deepest nesting accepted; deeper input is refused before it can exhaust the stack. */
export const MAX_CANONICAL_JSON_DEPTH = 256;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Where the serializer is: object keys and array indexes from the root, turned into a path only for an error. */
type Trail = Array<string | number>;

function pathOf(trail: Trail): string {
  let path = "$";
  for (const step of trail) path += typeof step === "number" ? `[${step}]` : IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  return path;
}

function reject(trail: Trail, message: string): never {
  const path = pathOf(trail);
  throw new SealroomError("bad_request", `cannot canonicalize ${path}: ${message}`, {
    issues: [{ path, message }],
  });
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Serializes `value` as RFC 8785 canonical JSON; throws bad_request on anything JSON cannot carry exactly. */
export function canonicalJson(value: unknown): string {
  return serialize(value, [], new Set());
}

function serialize(value: unknown, trail: Trail, open: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) reject(trail, `${String(value)} is not a finite number`);
      return JSON.stringify(value);
    case "object":
      if (value === null) return "null";
      return serializeContainer(value, trail, open);
    default:
      return reject(trail, `${typeof value} has no JSON form`);
  }
}

function serializeContainer(value: object, trail: Trail, open: Set<object>): string {
  if (trail.length >= MAX_CANONICAL_JSON_DEPTH) reject(trail, `nesting deeper than ${MAX_CANONICAL_JSON_DEPTH}`);
  if (open.has(value)) reject(trail, "the value contains itself");
  open.add(value);
  try {
    if (Array.isArray(value)) return serializeArray(value, trail, open);
    if (!isPlainObject(value)) reject(trail, "only plain objects and arrays are allowed");
    return serializeObject(value as Record<string, unknown>, trail, open);
  } finally {
    open.delete(value);
  }
}

function serializeArray(value: readonly unknown[], trail: Trail, open: Set<object>): string {
  let out = "[";
  for (let i = 0; i < value.length; i += 1) {
    trail.push(i);
    if (!Object.hasOwn(value, i)) reject(trail, "arrays must not have holes");
    out += (i > 0 ? "," : "") + serialize(value[i], trail, open);
    trail.pop();
  }
  return `${out}]`;
}

function serializeObject(value: Record<string, unknown>, trail: Trail, open: Set<object>): string {
  if (Object.getOwnPropertySymbols(value).length > 0) reject(trail, "symbol keys have no JSON form");
  // Default sort compares UTF-16 code units, exactly RFC 8785 §3.2.3.
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    trail.push(key);
    out += `${i > 0 ? "," : ""}${JSON.stringify(key)}:${serialize(value[key], trail, open)}`;
    trail.pop();
  }
  return `${out}}`;
}
