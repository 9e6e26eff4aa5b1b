/**
 * The authorization matrix: every route × every kind of caller × own tenant /
 * other tenant / no session. The expectations are written out here, apart
 * from src/domain/policy.ts, so a change to the policy or a new route
 * without an entry fails this test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base32Decode, totpAt } from "../../src/auth/totp.js";
import { ROUTES } from "../../src/http/app.js";
import { createApiToken } from "../../src/services/api-tokens.js";
import { TERMINAL } from "../../src/services/context.js";
import { createGatewayKey } from "../../src/services/gateway-keys.js";
import { addDeployment } from "../../src/services/gateway-deployments.js";
import { createInvitation } from "../../src/services/invitations.js";
import { createUser } from "../../src/services/users.js";
import { upsertMembership } from "../../src/store/repos/tenants.js";
import { sealedItemCodec } from "../../src/services/item-codec.js";
import { addProjectMember } from "../../src/services/project-admin.js";
import { addItems, createProject, getProject } from "../../src/services/projects.js";
import { getTenant } from "../../src/services/tenants.js";
import { workContext } from "../../src/services/work-access.js";
import { claimNext } from "../../src/services/work-queue.js";
import { decideReview } from "../../src/services/work-review.js";
import { submitTask } from "../../src/services/work-submit.js";
import { logManualEntry } from "../../src/services/work-hours.js";
import { Client, client } from "../support/http.js";
import { claimItem } from "../support/items.js";
import { makeServices, type TestContext } from "../support/services.js";
import { PASSWORD, seedWorld, type World } from "../support/world.js";

type Who = "none" | "operator" | "lab_admin" | "lab_auditor" | "reviewer" | "contractor" | "token_admin" | "token_contractor";
const EVERYONE: readonly Who[] = ["none", "operator", "lab_admin", "lab_auditor", "reviewer", "contractor", "token_admin", "token_contractor"];
type Scope = "public" | "session" | "any-actor" | "installation" | "tenant";
type Outcome = "allowed" | 401 | 403 | 404;

/** Route → who may call it. For tenant routes, `allow` lists who may act in their own tenant. */
const MATRIX: Record<string, { scope: Scope; allow?: readonly Who[]; operator?: boolean; people?: true }> = {
  "GET /healthz": { scope: "public" },
  "GET /readyz": { scope: "public" },
  "GET /api/openapi.json": { scope: "public" },
  "POST /api/auth/login": { scope: "public" },
  "POST /api/auth/mfa": { scope: "session" },
  "POST /api/auth/logout": { scope: "session" },
  "POST /api/auth/logout-all": { scope: "session" },
  "GET /api/me": { scope: "session" },
  "GET /api/me/sessions": { scope: "session" },
  "POST /api/me/mfa/totp/enroll": { scope: "session" },
  "POST /api/me/mfa/totp/confirm": { scope: "session" },
  "POST /api/invitations/lookup": { scope: "public" },
  "POST /api/invitations/accept": { scope: "public" },
  "GET /api/tenants": { scope: "any-actor" },
  "POST /api/tenants": { scope: "installation" },
  "GET /api/tenants/:tenant": { scope: "tenant", operator: true, allow: ["lab_admin", "lab_auditor", "reviewer", "contractor", "token_admin", "token_contractor"] },
  "GET /api/tenants/:tenant/members": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "token_admin"] },
  "PATCH /api/tenants/:tenant/members/:userId": { scope: "tenant", allow: ["lab_admin"] },
  "DELETE /api/tenants/:tenant/members/:userId": { scope: "tenant", allow: ["lab_admin"] },
  "GET /api/tenants/:tenant/invitations": { scope: "tenant", operator: true, allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/invitations": { scope: "tenant", operator: true, allow: ["lab_admin"] },
  "DELETE /api/tenants/:tenant/invitations/:id": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "GET /api/tenants/:tenant/tokens": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "token_admin"] },
  "POST /api/tenants/:tenant/tokens": { scope: "tenant", allow: ["lab_admin"] },
  "DELETE /api/tenants/:tenant/tokens/:id": { scope: "tenant", allow: ["lab_admin"] },
  "GET /api/tenants/:tenant/projects": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "reviewer", "contractor", "token_admin", "token_contractor"] },
  "GET /api/tenants/:tenant/projects/:project": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "reviewer", "contractor", "token_admin", "token_contractor"] },
  "POST /api/tenants/:tenant/projects/:project/imports": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "GET /api/tenants/:tenant/projects/:project/imports": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "token_admin"] },
  "GET /.well-known/sealroom-audit-key": { scope: "public" },
  "GET /api/audit/heads/latest": { scope: "public" },
  "GET /api/audit/proofs/inclusion": { scope: "any-actor" },
  "GET /api/audit/proofs/consistency": { scope: "any-actor" },
  "GET /api/tenants/:tenant/audit": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "token_admin"] },
  "GET /api/tenants/:tenant/exposure": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "token_admin"] },
  // Gateway: lab admins manage it; a token may read but never mint keys or add deployments; auditors read usage.
  "GET /api/tenants/:tenant/gateway/deployments": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/gateway/deployments": { scope: "tenant", allow: ["lab_admin"] },
  "GET /api/tenants/:tenant/gateway/keys": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/gateway/keys": { scope: "tenant", allow: ["lab_admin"] },
  "DELETE /api/tenants/:tenant/gateway/keys/:id": { scope: "tenant", allow: ["lab_admin"] },
  "DELETE /api/tenants/:tenant/gateway/deployments/:id": { scope: "tenant", allow: ["lab_admin"] },
  "POST /api/tenants/:tenant/gateway/deployments/:id/key": { scope: "tenant", allow: ["lab_admin"] },
  "GET /api/tenants/:tenant/gateway/usage": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "token_admin"] },
  // Running projects: lab admins (and their tokens); an operator may pause a whole tenant but read nothing in it.
  "POST /api/tenants/:tenant/projects": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "PATCH /api/tenants/:tenant/projects/:project/config": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "GET /api/tenants/:tenant/projects/:project/guidelines": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer", "contractor"] },
  "POST /api/tenants/:tenant/projects/:project/guidelines": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "GET /api/tenants/:tenant/projects/:project/members": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/projects/:project/members": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "DELETE /api/tenants/:tenant/projects/:project/members/:userId": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/projects/:project/members/:userId/reinstate": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/projects/:project/pause": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/projects/:project/resume": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/projects/:project/archive": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/pause": { scope: "tenant", operator: true, allow: ["lab_admin", "token_admin"] },
  "POST /api/tenants/:tenant/resume": { scope: "tenant", operator: true, allow: ["lab_admin", "token_admin"] },
  "GET /api/tenants/:tenant/notifications": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  // The work itself is a person's: contractors only, signed in (tokens are refused).
  "POST /api/tenants/:tenant/projects/:project/tasks/claim": { scope: "tenant", people: true, allow: ["contractor"] },
  "GET /api/tenants/:tenant/projects/:project/tasks": { scope: "tenant", people: true, allow: ["contractor"] },
  "GET /api/tenants/:tenant/projects/:project/tasks/:id": { scope: "tenant", people: true, allow: ["contractor"] },
  "POST /api/tenants/:tenant/projects/:project/tasks/:id/heartbeat": { scope: "tenant", people: true, allow: ["contractor"] },
  "POST /api/tenants/:tenant/projects/:project/tasks/:id/draft": { scope: "tenant", people: true, allow: ["contractor"] },
  "POST /api/tenants/:tenant/projects/:project/tasks/:id/skip": { scope: "tenant", people: true, allow: ["contractor"] },
  "POST /api/tenants/:tenant/projects/:project/tasks/:id/submit": { scope: "tenant", people: true, allow: ["contractor"] },
  "GET /api/tenants/:tenant/projects/:project/tasks/:id/feedback": { scope: "tenant", people: true, allow: ["contractor"] },
  "GET /api/tenants/:tenant/projects/:project/tasks/:id/answer": { scope: "tenant", people: true, allow: ["contractor"] },
  // Review and adjudication: reviewers on the project, and lab admins.
  "POST /api/tenants/:tenant/projects/:project/reviews/next": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer"] },
  "POST /api/tenants/:tenant/projects/:project/reviews/:assignmentId": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer"] },
  "GET /api/tenants/:tenant/projects/:project/reviews/:assignmentId/blind": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer"] },
  "POST /api/tenants/:tenant/projects/:project/reviews/:assignmentId/blind": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer"] },
  "POST /api/tenants/:tenant/projects/:project/adjudications/next": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer"] },
  "POST /api/tenants/:tenant/projects/:project/adjudications/:itemId": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer"] },
  "GET /api/tenants/:tenant/projects/:project/items/:itemId/resolution": { scope: "tenant", people: true, allow: ["lab_admin", "reviewer"] },
  // Reports and exports.
  "GET /api/tenants/:tenant/projects/:project/agreement": { scope: "tenant", allow: ["lab_admin", "lab_auditor", "reviewer", "token_admin"] },
  "GET /api/tenants/:tenant/projects/:project/export": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  // Model assist: lab admins and their tokens (no gateway runs here, so a run answers 409, never 5xx).
  "POST /api/tenants/:tenant/projects/:project/assist/run": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  "GET /api/tenants/:tenant/projects/:project/assist": { scope: "tenant", allow: ["lab_admin", "token_admin"] },
  // Hours: contractors log and read their own; lab admins and auditors read everyone's; lab admins decide.
  "GET /api/tenants/:tenant/hours": { scope: "tenant", people: true, allow: ["lab_admin", "lab_auditor", "contractor"] },
  "GET /api/tenants/:tenant/hours/export": { scope: "tenant", people: true, allow: ["lab_admin", "lab_auditor"] },
  "POST /api/tenants/:tenant/hours/entries": { scope: "tenant", people: true, allow: ["contractor"] },
  "GET /api/tenants/:tenant/hours/entries": { scope: "tenant", people: true, allow: ["lab_admin"] },
  "POST /api/tenants/:tenant/hours/entries/:id/decision": { scope: "tenant", people: true, allow: ["lab_admin"] },
  "POST /api/tenants/:tenant/hours/entries/:id/correction": { scope: "tenant", people: true, allow: ["lab_admin"] },
  "GET /api/tenants/:tenant/hours/blocked": { scope: "tenant", people: true, allow: ["lab_admin"] },
};

const isToken = (w: Who) => w === "token_admin" || w === "token_contractor";

/** What `who` must get for `key` on its own tenant (or the other one). */
function expected(key: string, who: Who, other: boolean): Outcome {
  const m = MATRIX[key]!;
  if (m.scope === "public") return "allowed";
  if (who === "none") return 401;
  if (m.scope === "session") return isToken(who) ? 403 : "allowed";
  if (m.scope === "any-actor") return "allowed";
  // Tenant routes for people only (the work itself): API tokens are refused before the tenant is looked at.
  if (m.people && isToken(who)) return 403;
  if (m.scope === "installation") return who === "operator" ? "allowed" : 403;
  if (who === "operator") return m.operator ? "allowed" : 403;
  if (other) return 404;
  return m.allow!.includes(who) ? "allowed" : 403;
}

let t: TestContext;
let w: World;
const clients = new Map<Who, Client>();
let counter = 0;

const totpSecrets = new Map<string, string>();

async function signedIn(email: string, totp: boolean): Promise<Client> {
  const c = client(t.s);
  const r = await c.login(email, PASSWORD);
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status}`);
  if (totp) totpSecrets.set(email, (await c.enrolTotp(t.s.now)).secret);
  return c;
}

/** A new, fully signed-in session of `who` (second factor done with a fresh TOTP step). */
async function freshSession(who: Who): Promise<Client> {
  const email = who === "operator" ? w.operator : w.email("a", who as "lab_admin");
  const c = client(t.s);
  await c.login(email, PASSWORD);
  const secret = totpSecrets.get(email);
  if (secret) {
    t.advance(30_000);
    const r = await c.post("/api/auth/mfa", { code: totpAt(base32Decode(secret), Math.floor(t.s.now() / 1000)) });
    if (r.status !== 200) throw new Error(`mfa ${email}: ${r.status}`);
  }
  return c;
}

/** After log-out-everywhere, signs the shared client of `who` in again. */
async function signBackIn(who: Who): Promise<void> {
  if (who !== "none" && !isToken(who)) clients.set(who, await freshSession(who));
}

beforeAll(async () => {
  t = await makeServices();
  w = await seedWorld(t.s);
  clients.set("none", client(t.s));
  clients.set("operator", await signedIn(w.operator, true));
  clients.set("lab_admin", await signedIn(w.email("a", "lab_admin"), true));
  for (const role of ["lab_auditor", "reviewer", "contractor"] as const) clients.set(role, await signedIn(w.email("a", role), false));
  for (const [who, role] of [["token_admin", "lab_admin"], ["token_contractor", "contractor"]] as const) {
    const c = client(t.s);
    c.bearer = (await createApiToken(t.s, w.a.id, w.userId("a", "lab_admin"), { name: who, role, expiresInDays: 30 }, TERMINAL)).token;
    clients.set(who, c);
  }
});
afterAll(async () => t.close());

/**
 * A task of the tenant's contractor: a fresh item claimed for them, or (when
 * the project is paused or the contractor is throttled) their latest lease.
 */
async function contractorTask(tenantId: string, project: string, key: "a" | "b"): Promise<string> {
  const p = await getProject(t.s, tenantId, project);
  const codec = await sealedItemCodec(t.s, tenantId);
  const n = ++counter;
  await t.s.store.transaction((tx) => addItems(t.s, tx, p, codec, [{ externalId: `task-${n}`, payload: claimItem(`task-${n}`), isGold: false }], TERMINAL));
  const userId = w.userId(key, "contractor");
  const tenant = await getTenant(t.s, tenantId);
  const claimed = await claimNext(t.s, await workContext(t.s, tenant, project), userId, TERMINAL).catch(() => null);
  if (claimed?.task) return claimed.task.assignmentId;
  const latest = await t.s.store.db.selectFrom("assignments").select("id").where("tenant_id", "=", tenantId).where("user_id", "=", userId).orderBy("id", "desc").executeTakeFirst();
  return latest?.id ?? "00000000-0000-7000-8000-000000000000";
}

/**
 * A submitted answer waiting for review in a classification project of the
 * tenant ("rev", review all), made on first use; `resolved` accepts it first
 * so the item has a resolution.
 */
async function reviewFixture(tenantId: string, key: "a" | "b", resolved: boolean): Promise<{ project: string; assignmentId: string; itemId: string }> {
  const tenant = await getTenant(t.s, tenantId);
  let p = await getProject(t.s, tenantId, "rev").catch(() => undefined);
  if (!p) {
    p = await t.s.store.transaction((tx) => createProject(t.s, tx, tenantId, { slug: "rev", name: "Review fixtures", template: "classification", config: { review: { mode: "all" }, abuse: { readsPerMinute: 10_000, throttleAfter: 1000, suspendAfter: 2000 } } }, TERMINAL));
    await addProjectMember(t.s, p, w.userId(key, "contractor"), "contractor", TERMINAL);
    await addProjectMember(t.s, p, w.userId(key, "reviewer"), "reviewer", TERMINAL);
  }
  const n = ++counter;
  const codec = await sealedItemCodec(t.s, tenantId);
  await t.s.store.transaction((tx) => addItems(t.s, tx, p, codec, [{ externalId: `rev-${n}`, payload: { id: `rev-${n}`, text: "Fine weather.", labels: ["yes", "no"] }, isGold: false }], TERMINAL));
  const ctx = await workContext(t.s, tenant, "rev");
  const contractor = w.userId(key, "contractor");
  const task = (await claimNext(t.s, ctx, contractor, TERMINAL)).task!;
  await submitTask(t.s, ctx, contractor, task.assignmentId, { label: "yes" }, TERMINAL);
  if (resolved) await decideReview(t.s, ctx, w.userId(key, "lab_admin"), task.assignmentId, { decision: "accept" }, TERMINAL);
  const row = await t.s.store.db.selectFrom("assignments").select("item_id").where("tenant_id", "=", tenantId).where("id", "=", task.assignmentId).executeTakeFirstOrThrow();
  return { project: "rev", assignmentId: task.assignmentId, itemId: row.item_id };
}

/** Builds a concrete request for a route against tenant A (own) or B (other), creating fresh objects to act on. */
async function requestFor(key: string, other: boolean): Promise<{ path: string; body?: unknown }> {
  const [, pattern] = key.split(" ") as [string, string];
  const tenant = other ? w.b : w.a;
  const n = ++counter;
  let path = pattern.replace(":tenant", tenant.slug).replace(":project", other ? "proj-b" : "proj-a");
  const freshContractor = async () => {
    const u = await t.s.store.transaction((tx) => createUser(t.s, tx, { email: `fresh${n}@test.dev`, displayName: "fresh", password: PASSWORD }, TERMINAL));
    await upsertMembership(t.s.store.db, tenant.id, u.id, "contractor", t.s.now());
    return u.id;
  };
  if (path.includes(":userId")) {
    const id = await freshContractor();
    if (path.includes("/projects/")) await addProjectMember(t.s, await getProject(t.s, tenant.id, other ? "proj-b" : "proj-a"), id, "contractor", TERMINAL);
    path = path.replace(":userId", id);
  }
  if (key.endsWith("/archive")) {
    // Archiving cannot be undone: archive a project made for it, not the one the other routes use.
    const p = await t.s.store.transaction((tx) => createProject(t.s, tx, tenant.id, { slug: `arch-${n}`, name: "To archive", template: "classification" }, TERMINAL));
    path = path.replace(other ? "proj-b" : "proj-a", p.slug);
  }
  if (path.includes("/hours/entries/:id")) {
    const start = t.s.now() - 2 * 3600_000;
    const entry = await logManualEntry(t.s, tenant, w.userId(other ? "b" : "a", "contractor"), { projectId: other ? w.projectB : w.projectA, start, end: start + 1800_000, reason: "matrix entry" }, TERMINAL).catch(() => null);
    path = path.replace(":id", entry?.id ?? "00000000-0000-7000-8000-000000000000");
  }
  if (path.includes("/tasks/:id")) path = path.replace(":id", await contractorTask(tenant.id, other ? "proj-b" : "proj-a", other ? "b" : "a"));
  if (path.includes(":assignmentId") || path.includes(":itemId")) {
    const f = await reviewFixture(tenant.id, other ? "b" : "a", key.endsWith("/resolution"));
    path = path.replace(other ? "proj-b" : "proj-a", f.project).replace(":assignmentId", f.assignmentId).replace(":itemId", f.itemId);
  }
  if (path.includes("/invitations/:id")) {
    path = path.replace(":id", (await createInvitation(t.s, "terminal", tenant.id, { email: `inv${n}@test.dev`, role: "reviewer" }, TERMINAL)).invitation.id);
  }
  if (path.includes("/gateway/deployments/:id")) {
    const d = await addDeployment(t.s, tenant.id, "terminal", { alias: `matrix-${n}`, provider: "openai", baseUrl: "https://api.openai.com/v1", model: "gpt-4o-mini", apiKey: "sk-provider-matrix-1111111111" }, TERMINAL);
    path = path.replace(":id", d.id);
  }
  if (path.includes("/gateway/keys/:id")) {
    path = path.replace(":id", (await createGatewayKey(t.s, tenant.id, "terminal", { models: ["gpt-test"] }, TERMINAL)).row.id);
  }
  if (path.includes("/tokens/:id")) {
    path = path.replace(":id", (await createApiToken(t.s, tenant.id, "terminal", { name: `t${n}`, role: "contractor", expiresInDays: 1 }, TERMINAL)).row.id);
  }
  const bodies: Record<string, unknown> = {
    "POST /api/auth/login": { email: w.email("a", "contractor"), password: PASSWORD },
    "POST /api/auth/mfa": { code: "not-a-code" },
    "POST /api/me/mfa/totp/confirm": { code: "not-a-code" },
    "POST /api/invitations/lookup": { token: "sri_not-a-real-invitation" },
    "POST /api/invitations/accept": { token: "sri_not-a-real-invitation", password: PASSWORD },
    "POST /api/tenants": { slug: `tenant-${n}`, name: `Tenant ${n}` },
    "PATCH /api/tenants/:tenant/members/:userId": { role: "reviewer" },
    "POST /api/tenants/:tenant/invitations": { email: `new${n}@test.dev`, role: "lab_admin" },
    "POST /api/tenants/:tenant/tokens": { name: `token ${n}`, role: "contractor" },
    "POST /api/tenants/:tenant/gateway/deployments": { alias: `gpt-${n}`, provider: "openai", baseUrl: "https://api.openai.com/v1", model: "gpt-4o-mini", apiKey: "sk-provider-matrix-0000000000" },
    "POST /api/tenants/:tenant/gateway/keys": { models: ["gpt-test"], rpm: 60 },
    "POST /api/tenants/:tenant/gateway/deployments/:id/key": { apiKey: "sk-provider-rotated-2222222222" },
    "POST /api/tenants/:tenant/projects": { slug: `made-${n}`, name: `Made ${n}`, template: "classification" },
    "PATCH /api/tenants/:tenant/projects/:project/config": { leaseMinutes: 30 },
    "POST /api/tenants/:tenant/projects/:project/guidelines": { markdown: `# Guidelines ${n}` },
    "POST /api/tenants/:tenant/projects/:project/members": { userId: key === "POST /api/tenants/:tenant/projects/:project/members" ? await freshContractor() : "", role: "contractor" },
    "POST /api/tenants/:tenant/projects/:project/pause": { reason: "matrix pause" },
    "POST /api/tenants/:tenant/projects/:project/assist/run": { limit: 1 },
    "POST /api/tenants/:tenant/pause": { reason: "matrix pause" },
    "POST /api/tenants/:tenant/projects/:project/tasks/:id/draft": { draft: { note: "matrix" } },
    "POST /api/tenants/:tenant/projects/:project/tasks/:id/skip": { reason: "matrix skip" },
    "POST /api/tenants/:tenant/projects/:project/tasks/:id/submit": { answer: {} },
    "POST /api/tenants/:tenant/projects/:project/reviews/:assignmentId": { decision: "accept" },
    "POST /api/tenants/:tenant/projects/:project/reviews/:assignmentId/blind": { verdict: "SUPPORTED" },
    "POST /api/tenants/:tenant/projects/:project/adjudications/:itemId": { answerId: "00000000-0000-7000-8000-000000000000" },
    "POST /api/tenants/:tenant/hours/entries": { projectId: other ? w.projectB : w.projectA, start: t.s.now() - 3 * 3600_000, end: t.s.now() - 2 * 3600_000, reason: "matrix hours" },
    "POST /api/tenants/:tenant/hours/entries/:id/decision": { decision: "approved" },
    "POST /api/tenants/:tenant/hours/entries/:id/correction": { ms: -60_000, reason: "matrix correction" },
    // Label Studio tasks (Content-Type application/json): one valid item per request.
    "POST /api/tenants/:tenant/projects/:project/imports": [{ data: claimItem(`matrix-${n}`) }],
  };
  const queries: Record<string, string> = {
    "GET /api/audit/proofs/inclusion": "?index=0&size=2",
    "GET /api/audit/proofs/consistency": "?size1=1&size2=2",
    "GET /api/tenants/:tenant/audit": "?limit=5",
    "GET /api/tenants/:tenant/exposure": "?from=2020-01-01&to=2030-01-01",
  };
  path += queries[key] ?? "";
  return key in bodies ? { path, body: bodies[key] } : { path };
}

/** Session-ending routes run on a throwaway session of the same person, so the shared client stays signed in. */
async function callerFor(key: string, who: Who): Promise<Client> {
  const base = clients.get(who)!;
  if (key === "POST /api/auth/login") {
    // Signing in replaces the cookie: use a copy so the shared client keeps its identity.
    const c = client(t.s);
    c.cookie = base.cookie;
    c.csrf = base.csrf;
    c.bearer = base.bearer;
    return c;
  }
  const ends = key === "POST /api/auth/logout" || key === "POST /api/auth/logout-all";
  if (!ends || who === "none" || isToken(who)) return base;
  return freshSession(who);
}

describe("authorization matrix", () => {
  it("has an entry for every route, and no entry without a route", () => {
    const served = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(Object.keys(MATRIX).sort()).toEqual(served);
  });

  for (const key of Object.keys(MATRIX)) {
    it(key, async () => {
      const failures: string[] = [];
      const relations = MATRIX[key]!.scope === "tenant" ? [false, true] : [false];
      for (const who of EVERYONE) {
        for (const other of relations) {
          const want = expected(key, who, other);
          const { path, body } = await requestFor(key, other);
          const caller = await callerFor(key, who);
          const [method] = key.split(" ") as [string];
          const r = await caller.request(method, path, body);
          const got: Outcome = r.status === 401 || r.status === 403 || r.status === 404 ? r.status : "allowed";
          if (key === "POST /api/auth/logout-all") await signBackIn(who);
          if (r.status >= 500) failures.push(`${who}${other ? " (other tenant)" : ""}: ${r.status} ${JSON.stringify(r.body)}`);
          else if (got !== want) failures.push(`${who}${other ? " (other tenant)" : ""}: expected ${want}, got ${r.status} ${r.body?.error?.code ?? ""}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }
});
