/**
 * The audit log over HTTP. Who may call what, and why:
 * - the public key and the newest signed head are public: they are
 *   commitments meant to be copied anywhere (gossip, tickets, other systems);
 * - proofs reveal hashes and tree sizes only, never an entry, so any
 *   signed-in person or API token may ask for them;
 * - a tenant's entries and its exposure reports are tenant data: lab admins
 *   and lab auditors of that tenant only (others get 404 like any tenant
 *   route), and every read is itself audited before it is answered.
 */
import { z } from "zod";
import { parseIsoTime } from "../../domain/time.js";
import { currentTreeSize, latestHead, publicSigningKey } from "../../services/audit-heads.js";
import { proveConsistency, proveInclusion } from "../../services/audit-proofs.js";
import { MAX_AUDIT_PAGE, readTenantAudit } from "../../services/audit-read.js";
import { actorExposure } from "../../services/exposure.js";
import { tenantExposure } from "../../services/exposure-tenant.js";
import { presentAuditEntry, presentHead } from "../audit-presenters.js";
import { json, route } from "../route.js";
import { tenantFor } from "../tenant-access.js";

/** A tree size, leaf index or seq: decimal digits, at most 2^53 - 1. */
const count = z
  .string()
  .regex(/^\d{1,16}$/, "must be a non-negative integer")
  .transform(Number)
  .refine(Number.isSafeInteger, "must be at most 9007199254740991");

const time = z.string().transform((text, ctx) => {
  const ms = parseIsoTime(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date (2026-11-28) or date-time with offset (2026-11-28T12:00:00Z)" });
    return z.NEVER;
  }
  return ms;
});

const windowQuery = z
  .strictObject({ actor: z.string().trim().min(1).max(320).optional(), from: time, to: time })
  .refine((q) => q.from <= q.to, { path: ["to"], message: "must not be before from" });

/** The audit routes (registered in app.ts ROUTES). */
export const auditRoutes = [
  route({
    method: "GET",
    path: "/.well-known/sealroom-audit-key",
    auth: "public",
    summary: "The Ed25519 public key that signs the audit log's tree heads.",
    handle: async ({ s }) => {
      const k = await publicSigningKey(s);
      return json({ algorithm: k.algorithm, keyId: k.keyId, publicKeyPem: k.publicKeyPem });
    },
  }),
  route({
    method: "GET",
    path: "/api/audit/heads/latest",
    auth: "public",
    summary: "The newest signed tree head (null before the first), and the log's current size.",
    handle: async ({ s }) => {
      const head = await latestHead(s);
      return json({ head: head ? presentHead(head) : null, treeSize: await currentTreeSize(s) });
    },
  }),
  route({
    method: "GET",
    path: "/api/audit/proofs/inclusion",
    auth: "actor",
    summary: "RFC 9162 inclusion proof of leaf `index` (seq - 1) in the tree of `size` entries (default: the newest signed head).",
    query: z.strictObject({ index: count, size: count.optional() }),
    handle: async ({ s, query }) => {
      const p = await proveInclusion(s, query.index, query.size);
      return json({ ...p, signedHead: p.signedHead ? presentHead(p.signedHead) : null });
    },
  }),
  route({
    method: "GET",
    path: "/api/audit/proofs/consistency",
    auth: "actor",
    summary: "RFC 9162 consistency proof that the tree of `size1` entries is a prefix of the tree of `size2` entries.",
    query: z.strictObject({ size1: count, size2: count }),
    handle: async ({ s, query }) => {
      const p = await proveConsistency(s, query.size1, query.size2);
      const present = (h: typeof p.signedHead1) => (h ? presentHead(h) : null);
      return json({ ...p, signedHead1: present(p.signedHead1), signedHead2: present(p.signedHead2) });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/audit",
    auth: "actor",
    summary: "The tenant's audit entries with seq > after, oldest first (keyset pagination); the read is itself audited.",
    query: z.strictObject({ after: count.optional(), limit: count.refine((n) => n >= 1 && n <= MAX_AUDIT_PAGE, `must be 1..${MAX_AUDIT_PAGE}`).optional() }),
    handle: async ({ s, params, query, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.audit.read");
      const page = await readTenantAudit(s, t.id, { after: query.after ?? 0, limit: query.limit ?? 100 }, caller);
      return json({ entries: page.entries.map(presentAuditEntry), next: page.next });
    },
  }),
  route({
    method: "GET",
    path: "/api/tenants/:tenant/exposure",
    auth: "actor",
    summary: "Exposure report: with `actor`, what that credential could reach and did read in this tenant; without, every actor who read this tenant's data.",
    query: windowQuery,
    handle: async ({ s, params, query, principal, caller }) => {
      const t = await tenantFor(s, principal, params["tenant"]!, "tenant.exposure.read");
      const w = { from: query.from, to: query.to };
      const report = query.actor ? await actorExposure(s, { actor: query.actor, tenantId: t.id, ...w }, caller) : await tenantExposure(s, t, w, caller);
      return json({ report });
    },
  }),
];
