/** The signed-in person: profile, memberships, sessions, TOTP enrolment. */
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { beginTotpEnrolment, confirmTotpEnrolment } from "../../services/mfa.js";
import { listSessions } from "../../services/sessions.js";
import { tenantsVisibleTo } from "../../services/tenants.js";
import { csrfTokenFor } from "../auth.js";
import { presentMe, presentSession } from "../presenters.js";
import { json, route, sessionOf } from "../route.js";


export const meRoutes = [
  route({
    method: "GET",
    path: "/api/me",
    auth: "session",
    mfaExempt: true,
    summary: "Who is signed in, their memberships, MFA state and CSRF token.",
    handle: async ({ s, principal }) => {
      const p = sessionOf(principal);
      const { user, actor, mfa } = p.resolved;
      const tenants = await tenantsVisibleTo(s, { ...actor, isOperator: false });
      const memberships = tenants.flatMap((t) => {
        const role = actor.memberships.get(t.id);
        return role ? [{ tenant: t, role }] : [];
      });
      return json({ user: presentMe(user, memberships), mfa, csrfToken: csrfTokenFor(p.token) });
    },
  }),
  route({
    method: "GET",
    path: "/api/me/sessions",
    auth: "session",
    summary: "This account's live sessions.",
    handle: async ({ s, principal }) => {
      const p = sessionOf(principal);
      const rows = await listSessions(s, p.resolved.user.id);
      return json({ sessions: rows.map((r) => presentSession(r, p.resolved.session.id)) });
    },
  }),
  route({
    method: "POST",
    path: "/api/me/mfa/totp/enroll",
    auth: "session",
    mfaExempt: true,
    summary: "Start TOTP enrolment: returns the secret and otpauth URI for an authenticator app.",
    handle: async ({ s, principal, caller }) => {
      const p = sessionOf(principal);
      if (p.resolved.mfa === "code_required") throw new SealroomError("mfa_required", "Enter your current code first.");
      return json(await beginTotpEnrolment(s, p.resolved.user.id, caller));
    },
  }),
  route({
    method: "POST",
    path: "/api/me/mfa/totp/confirm",
    auth: "session",
    mfaExempt: true,
    summary: "Confirm TOTP enrolment with a first code; returns recovery codes once.",
    body: z.strictObject({ code: z.string().regex(/^\s*\d{6}\s*$/, "must be the 6-digit code from your authenticator app") }),
    handle: async ({ s, body, principal, caller }) => {
      const p = sessionOf(principal);
      if (p.resolved.mfa === "code_required") throw new SealroomError("mfa_required", "Enter your current code first.");
      return json(await confirmTotpEnrolment(s, p.resolved.user.id, p.resolved.session.id, body.code, caller));
    },
  }),
];
