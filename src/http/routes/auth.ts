/** Sign-in, second factor, sign-out. */
import { z } from "zod";
import { login } from "../../services/login.js";
import { verifyMfa } from "../../services/mfa.js";
import { logout, logoutEverywhere } from "../../services/sessions.js";
import { clearSessionCookie, csrfTokenFor, setSessionCookie } from "../auth.js";
import { json, route, sessionOf } from "../route.js";

const loginBody = z.strictObject({ email: z.string().min(3).max(320), password: z.string().min(1).max(1024) });
const mfaBody = z.union([
  z.strictObject({ code: z.string().regex(/^\s*\d{6}\s*$/, "must be the 6-digit code from your authenticator app") }),
  z.strictObject({ recoveryCode: z.string().min(8).max(40) }),
]);


export const authRoutes = [
  route({
    method: "POST",
    path: "/api/auth/login",
    auth: "public",
    summary: "Sign in with email and password; sets the session cookie.",
    body: loginBody,
    handle: async ({ c, s, body, meta }) => {
      const r = await login(s, body, meta);
      setSessionCookie(c, s, r.token);
      return json({ userId: r.user.id, mfa: r.mfa, csrfToken: csrfTokenFor(r.token) });
    },
  }),
  route({
    method: "POST",
    path: "/api/auth/mfa",
    auth: "session",
    mfaExempt: true,
    summary: "Complete sign-in with a TOTP code or a recovery code.",
    body: mfaBody,
    handle: async ({ s, body, principal, caller }) => {
      const p = sessionOf(principal);
      const r = await verifyMfa(s, p.resolved.user.id, p.resolved.session.id, body, caller);
      return json({ mfa: "satisfied", recoveryCodesLeft: r.recoveryCodesLeft });
    },
  }),
  route({
    method: "POST",
    path: "/api/auth/logout",
    auth: "session",
    mfaExempt: true,
    summary: "End this session.",
    handle: async ({ c, s, principal, caller }) => {
      await logout(s, sessionOf(principal).resolved.session.id, caller);
      clearSessionCookie(c, s);
      return json({ ok: true });
    },
  }),
  route({
    method: "POST",
    path: "/api/auth/logout-all",
    auth: "session",
    summary: "End every session of this account (log out everywhere); needs the second factor, so a stolen password alone cannot end the owner's sessions.",
    handle: async ({ c, s, principal, caller }) => {
      const ended = await logoutEverywhere(s, sessionOf(principal).resolved.user.id, caller);
      clearSessionCookie(c, s);
      return json({ ended });
    },
  }),
];
