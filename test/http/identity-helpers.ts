/**
 * Shared helpers for the identity tests (test/http/identity-*.test.ts): a
 * fresh installation per test, signed-in clients, TOTP codes from the test
 * clock, and the one assertion every error response must pass (status, code,
 * the JSON envelope, and no stack trace or file path leaking out).
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, expect } from "vitest";
import { isUuid } from "../../src/auth/ids.js";
import { base32Decode, totpAt } from "../../src/auth/totp.js";
import type { Config } from "../../src/config/config.js";
import { client, type Client, type Reply } from "../support/http.js";
import { makeServices, type TestContext } from "../support/services.js";
import { PASSWORD, seedWorld, type World } from "../support/world.js";

export { PASSWORD };

export interface Ctx {
  readonly t: TestContext;
  readonly w: World;
}

/** A fresh database of the current dialect with the seeded world. */
export async function freshWorld(changes: Partial<Config> = {}): Promise<Ctx> {
  const t = await makeServices(changes);
  try {
    return { t, w: await seedWorld(t.s) };
  } catch (e) {
    await t.close();
    throw e;
  }
}

/**
 * Registers beforeEach/afterEach in the current describe block: a fresh
 * installation with `changes` to the Config, handed to `set`. Tests that need
 * another Config get their own describe block rather than a second live
 * context: on PostgreSQL two contexts open at once in one process break the
 * second one's migrations (see the report about src/store/migrator.ts).
 */
export function useWorld(changes: Partial<Config>, set: (ctx: Ctx) => void): void {
  let current: Ctx | undefined;
  beforeEach(async () => {
    current = await freshWorld(changes);
    set(current);
  });
  afterEach(async () => {
    await current?.t.close();
    current = undefined;
  });
}

// A JSON-escaped newline followed by a stack frame, a "(file:line:col)" location, a source file with a line, or an absolute path.
const LEAKS = [/\\n\s*at\s/, /\(\S+:\d+:\d+\)/, /\.(?:ts|js|mjs|cjs):\d+/, /node_modules/, /file:\/\//, /\/(?:work|home|usr|tmp|var)\//];

/** Asserts the error envelope `{ error: { code, message, details } }` and that nothing internal leaks. */
export function expectEnvelope(r: Reply): void {
  expect(r.status).toBeGreaterThanOrEqual(400);
  expect(r.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  expect(r.body).toBeTypeOf("object");
  expect(Object.keys(r.body)).toEqual(["error"]);
  expect(Object.keys(r.body.error).sort()).toEqual(["code", "details", "message"]);
  expect(r.body.error.code).toMatch(/^[a-z_]+$/);
  expect(r.body.error.message).toBeTypeOf("string");
  expect(r.body.error.message.length).toBeGreaterThan(0);
  expect(r.body.error.details).toBeTypeOf("object");
  expect(r.body.error.details).not.toBeNull();
  expect(Array.isArray(r.body.error.details)).toBe(false);
  const text = JSON.stringify(r.body);
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}

/** Asserts an error reply with this status and code, in the standard envelope. */
export function expectError(r: Reply, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code });
  expectEnvelope(r);
}

/** A client signed in as `email` (asserting the login worked). */
export async function signIn(ctx: Ctx, email: string, base?: string, headers?: Record<string, string>): Promise<Client> {
  const c = client(ctx.t.s, base, headers);
  const r = await c.login(email, PASSWORD);
  expect(r.status, `login of ${email}: ${JSON.stringify(r.body)}`).toBe(200);
  return c;
}

/** A lab admin of tenant `t` signed in with TOTP enrolled (their session has MFA satisfied). */
export async function adminWithTotp(ctx: Ctx, t: "a" | "b" = "a"): Promise<{ c: Client; secret: string; recoveryCodes: string[] }> {
  const c = await signIn(ctx, ctx.w.email(t, "lab_admin"));
  const enrolled = await c.enrolTotp(ctx.t.s.now);
  return { c, ...enrolled };
}

/** The operator, signed in with TOTP enrolled. */
export async function operatorWithTotp(ctx: Ctx): Promise<{ c: Client; secret: string }> {
  const c = await signIn(ctx, ctx.w.operator);
  const { secret } = await c.enrolTotp(ctx.t.s.now);
  return { c, secret };
}

/** The TOTP code for base32 `secret` at the test clock, `steps` 30-second steps away. */
export function codeAt(ctx: Ctx, secret: string, steps = 0): string {
  return totpAt(base32Decode(secret), Math.floor(ctx.t.s.now() / 1000) + steps * 30);
}

/** A well-formed 6-digit code that matches none of the steps the server accepts now. */
export function wrongCode(ctx: Ctx, secret: string): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((s) => codeAt(ctx, secret, s)));
  for (let n = 0; ; n++) {
    const code = String(n * 7919 % 1_000_000).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
}

/** A client that replays a captured cookie (and optionally a CSRF token), as an attacker or a second tab would. */
export function replay(ctx: Ctx, cookie: string | undefined, csrf?: string): Client {
  const c = client(ctx.t.s);
  c.cookie = cookie;
  c.csrf = csrf;
  return c;
}

/** The raw session token inside a Client's cookie. */
export function sessionToken(c: Client): string {
  const m = /^sealroom_session=(.+)$/.exec(c.cookie ?? "");
  if (!m?.[1]) throw new Error("client has no session cookie");
  return m[1];
}

/** Hex SHA-256, computed independently of the product's own helper. */
export function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** True for a canonical UUID of version 7 with the RFC 9562 variant. */
export function isUuidV7(id: unknown): boolean {
  return typeof id === "string" && isUuid(id) && id[14] === "7" && /^[89ab]$/.test(id[19] ?? "");
}

/** The attributes of the sealroom_session Set-Cookie header (names lower-cased), or undefined when none is set. */
export function sessionCookie(r: Reply): { value: string; attrs: Map<string, string> } | undefined {
  const header = r.headers.getSetCookie().find((h) => h.startsWith("sealroom_session="));
  if (!header) return undefined;
  const [pair, ...rest] = header.split(";").map((p) => p.trim());
  const attrs = new Map<string, string>();
  for (const a of rest) {
    const eq = a.indexOf("=");
    attrs.set((eq < 0 ? a : a.slice(0, eq)).toLowerCase(), eq < 0 ? "" : a.slice(eq + 1));
  }
  return { value: (pair ?? "").slice("sealroom_session=".length), attrs };
}
