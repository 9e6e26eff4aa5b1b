/**
 * Authentication for HTTP: the session cookie (browsers) or a bearer API
 * token (programs), plus the CSRF token that cookie-authenticated writes
 * must echo. The CSRF token is derived from the session token, so nothing
 * extra is stored and it dies with the session.
 */
import { createHash } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { safeEqual } from "../auth/tokens.js";
import { SealroomError } from "../domain/errors.js";
import { authenticateApiToken } from "../services/api-tokens.js";
import type { Services } from "../services/context.js";
import { resolveSession } from "../services/sessions.js";
import type { AppEnv, Principal } from "./route.js";

export const SESSION_COOKIE = "sealroom_session";
export const CSRF_HEADER = "x-csrf-token";

/** The CSRF token for a session token. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update("sealroom-csrf/v1\0").update(sessionToken).digest("base64url");
}

/** True when the request reached us over TLS (directly, or via a trusted proxy). */
export function isTls(c: Context<AppEnv>, s: Services): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  return s.config.trustProxy && c.req.header("x-forwarded-proto") === "https";
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure over TLS. */
export function setSessionCookie(c: Context<AppEnv>, s: Services, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: isTls(c, s),
    path: "/",
    maxAge: Math.floor(s.config.sessionMaxMs / 1000),
  });
}

/** Clears the session cookie. */
export function clearSessionCookie(c: Context<AppEnv>, s: Services): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isTls(c, s), httpOnly: true, sameSite: "Strict" });
}

/**
 * Finds the principal of a request. A bearer header that is present but
 * invalid is an error, never a fall-back to the cookie or to anonymous.
 */
export async function authenticate(c: Context<AppEnv>, s: Services): Promise<Principal | undefined> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const actor = m ? await authenticateApiToken(s, m[1]!) : undefined;
    if (!actor) throw new SealroomError("unauthenticated", "The API token is missing, malformed, expired or revoked.");
    return { kind: "token", actor };
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (!token || token.length > 100) return undefined;
  const resolved = await resolveSession(s, token);
  return resolved ? { kind: "session", token, resolved } : undefined;
}

/** Refuses a cookie-authenticated write whose CSRF header is missing or wrong. */
export function assertCsrf(c: Context<AppEnv>, p: Principal): void {
  if (p.kind !== "session") return;
  const given = c.req.header(CSRF_HEADER) ?? "";
  if (!safeEqual(given, csrfTokenFor(p.token))) {
    throw new SealroomError("csrf_failed", `This request needs the ${CSRF_HEADER} header from your session (GET /api/me returns it).`);
  }
}
