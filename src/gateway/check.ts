/**
 * Small validators for hostile JSON. The gateway carries no validation
 * library (it imports node built-ins only), so request bodies and control
 * messages are checked with these. Errors name the path, never the value:
 * a value may be a secret.
 */

/** A parsed JSON object (prototype is Object.prototype, but only own keys are ever read). */
export type Obj = Record<string, unknown>;

/** Thrown by the validators; `path` says where, the message says what was expected. */
export class Invalid extends Error {
  constructor(
    readonly path: string,
    expected: string,
  ) {
    super(`${path}: ${expected}`);
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Own property of a JSON object (never an inherited one such as `__proto__` or `constructor`). */
export function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** The object at `path`, or Invalid. */
export function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new Invalid(path, "must be an object");
  return v;
}

/** The array at `path` (at most `max` items), or Invalid. */
export function arr(v: unknown, path: string, max = 100_000): unknown[] {
  if (!Array.isArray(v)) throw new Invalid(path, "must be an array");
  if (v.length > max) throw new Invalid(path, `must have at most ${max} items`);
  return v;
}

/** A string of 1..max characters matching `re` (when given), or Invalid. */
export function str(v: unknown, path: string, max = 1000, re?: RegExp): string {
  if (typeof v !== "string" || v.length === 0 || v.length > max) throw new Invalid(path, `must be a string of 1 to ${max} characters`);
  if (re && !re.test(v)) throw new Invalid(path, "has characters that are not allowed");
  return v;
}

/** A finite number in [min, max], or Invalid. */
export function num(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) throw new Invalid(path, `must be a number from ${min} to ${max}`);
  return v;
}

/** An integer in [min, max], or Invalid. */
export function int(v: unknown, path: string, min: number, max: number): number {
  const n = num(v, path, min, max);
  if (!Number.isInteger(n)) throw new Invalid(path, "must be an integer");
  return n;
}

/** null, or what `check` makes of the value. */
export function nullable<T>(v: unknown, check: (v: unknown) => T): T | null {
  return v === null ? null : check(v);
}

/** A boolean, or Invalid. */
export function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw new Invalid(path, "must be true or false");
  return v;
}
