/** The invitee's side of an invitation: look at it, accept it. The token travels in the body, never the URL. */
import { z } from "zod";
import { acceptInvitation, previewInvitation } from "../../services/invitations.js";
import { json, route } from "../route.js";

const token = z.string().min(10).max(100);

export const invitationRoutes = [
  route({
    method: "POST",
    path: "/api/invitations/lookup",
    auth: "public",
    summary: "What an invitation token is for (tenant, role, email).",
    body: z.strictObject({ token }),
    handle: async ({ s, body }) => json({ invitation: await previewInvitation(s, body.token) }),
  }),
  route({
    method: "POST",
    path: "/api/invitations/accept",
    auth: "public",
    summary: "Accept an invitation: creates the account (new email) or adds the membership (signed-in existing account).",
    body: z.strictObject({ token, password: z.string().max(1024).optional(), displayName: z.string().trim().min(1).max(200).optional() }),
    handle: async ({ s, body, principal, caller }) => {
      // Only a fully signed-in session (second factor done) speaks for an existing account.
      const signedIn = principal?.kind === "session" && principal.resolved.mfa === "satisfied" ? principal.resolved.user.id : undefined;
      const r = await acceptInvitation(s, body, signedIn, caller);
      return json({ userId: r.userId, tenantId: r.tenantId, role: r.role, accountCreated: r.created }, 201);
    },
  }),
];
