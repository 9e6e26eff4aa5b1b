/**
 * Exposure report for one credential (a user, an API token or a gateway key)
 * over a time window: what it could reach (tenants, roles held, projects,
 * items leased to it) and what it did read (item ids and counts per project,
 * exports downloaded, gateway calls), with the audit seq range that proves
 * it. Producing a report reads the audit log, so it is itself recorded
 * (fail closed) before the report is returned.
 */
import { isoTimeOrNull as iso } from "../domain/time.js";
import { AUDIT_EXPOSURE, DATA_READ_ACTIONS, EXPORT_DOWNLOAD, GATEWAY_CALL, ITEM_READ } from "../audit/actions.js";
import { SealroomError } from "../domain/errors.js";
import type { TenantRole } from "../domain/policy.js";
import { actorActivity, actorReadGroups, apiTokensCreatedBy, findApiTokenById, recordedActorType, type ActorReadGroup, type ApiTokenRow, type Window } from "../store/repos/audit-exposure.js";
import { listProjects } from "../store/repos/projects.js";
import { itemsLeasedBy } from "../store/repos/work.js";
import { findTenant } from "../store/repos/tenants.js";
import { findUserByEmail, findUserById, normalizeEmail, type UserRow } from "../store/repos/users.js";
import { currentTreeSize, latestHead } from "./audit-heads.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { rolesHeldInWindow, type RolesHeld } from "./exposure-roles.js";

/** Item ids listed per project at most; counts stay exact beyond it. */
export const MAX_OBJECT_IDS = 10_000;

/** Said in every report: what the leased items list means. */
export const LEASES_NOTE = "Leased items are the items handed to this person by the work queue while their lease overlapped the window; a lease is what lets a contractor open that one item (whether they did is under didRead). API tokens and gateway keys cannot hold leases.";


/** The window and the log's position, shared by both kinds of report. */
export interface ReportFrame {
  readonly from: string;
  readonly to: string;
  readonly treeSize: number;
  readonly latestSignedHead: { readonly size: number; readonly timestamp: string } | null;
}

/** Builds the window part of a report. */
export async function reportFrame(s: Services, w: Window): Promise<ReportFrame> {
  const head = await latestHead(s);
  return { from: iso(w.from)!, to: iso(w.to)!, treeSize: await currentTreeSize(s), latestSignedHead: head ? { size: head.size, timestamp: iso(head.timestamp)! } : null };
}

/** Reads grouped by project: counts, seq range, and the objects read. */
export interface ReadGroup {
  readonly tenantId: string | null;
  readonly projectId: string | null;
  readonly count: number;
  readonly distinctObjects: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly objects: ReadonlyArray<{ readonly id: string | null; readonly count: number }>;
  readonly objectsTruncated: boolean;
}

export interface ActorIdentity {
  readonly type: string;
  readonly id: string;
  readonly email?: string;
  readonly displayName?: string;
  readonly isOperator?: boolean;
  readonly status?: string;
  readonly tenantId?: string;
  readonly name?: string;
  readonly role?: TenantRole;
  readonly createdBy?: string;
  readonly createdAt?: string | null;
  readonly expiresAt?: string | null;
  readonly revokedAt?: string | null;
}

export interface ActorExposure extends ReportFrame {
  readonly kind: "actor";
  readonly scopeTenantId: string | null;
  readonly actor: ActorIdentity;
  readonly couldReach: {
    readonly tenants: ReadonlyArray<{ tenantId: string; slug: string; name: string; roles: TenantRole[]; projects: Array<{ id: string; slug: string; name: string }> }>;
    readonly apiTokens: readonly ActorIdentity[];
    readonly leasedItems: readonly string[];
    readonly notes: readonly string[];
  };
  readonly didRead: {
    readonly items: readonly ReadGroup[];
    readonly exports: readonly ReadGroup[];
    readonly gatewayCalls: readonly ReadGroup[];
    readonly totals: { readonly itemReads: number; readonly distinctItems: number; readonly exports: number; readonly gatewayCalls: number };
  };
  /** The seq range of the entries behind didRead, and of everything the actor did in the window. */
  readonly proof: { readonly readEntries: number; readonly firstSeq: number | null; readonly lastSeq: number | null; readonly allEntries: number; readonly allFirstSeq: number | null; readonly allLastSeq: number | null };
}

type Resolved = { kind: "user"; user: UserRow } | { kind: "token"; token: ApiTokenRow } | { kind: "other"; id: string; type: string };

async function resolveActor(s: Services, actor: string): Promise<Resolved | undefined> {
  const db = s.store.db;
  if (actor.includes("@")) {
    const user = await findUserByEmail(db, normalizeEmail(actor));
    return user ? { kind: "user", user } : undefined;
  }
  const user = await findUserById(db, actor);
  if (user) return { kind: "user", user };
  const token = await findApiTokenById(db, actor);
  if (token) return { kind: "token", token };
  // Gateway keys (and identities since deleted) are known only by what the log recorded.
  const type = await recordedActorType(db, actor);
  return type ? { kind: "other", id: actor, type } : undefined;
}

function projectOf(detail: string | null): string | null {
  try {
    const v: unknown = detail === null ? null : JSON.parse(detail);
    const p = typeof v === "object" && v !== null ? (v as Record<string, unknown>)["projectId"] : undefined;
    return typeof p === "string" ? p : null;
  } catch {
    return null;
  }
}

/** Folds (object, detail) groups of one action into per-project groups. */
function byProject(groups: readonly ActorReadGroup[]): ReadGroup[] {
  const out = new Map<string, { tenantId: string | null; projectId: string | null; count: number; firstSeq: number; lastSeq: number; objects: Map<string | null, number> }>();
  for (const g of groups) {
    const projectId = projectOf(g.detail);
    const key = JSON.stringify([g.tenant_id, projectId]);
    const acc = out.get(key) ?? { tenantId: g.tenant_id, projectId, count: 0, firstSeq: g.first_seq, lastSeq: g.last_seq, objects: new Map() };
    acc.count += g.n;
    acc.firstSeq = Math.min(acc.firstSeq, g.first_seq);
    acc.lastSeq = Math.max(acc.lastSeq, g.last_seq);
    acc.objects.set(g.object_id, (acc.objects.get(g.object_id) ?? 0) + g.n);
    out.set(key, acc);
  }
  return [...out.values()].map(({ objects, ...g }) => {
    const sorted = [...objects].map(([id, count]) => ({ id, count })).sort((a, b) => b.count - a.count || String(a.id).localeCompare(String(b.id)));
    return { ...g, distinctObjects: sorted.length, objects: sorted.slice(0, MAX_OBJECT_IDS), objectsTruncated: sorted.length > MAX_OBJECT_IDS };
  });
}

function tokenIdentity(t: ApiTokenRow): ActorIdentity {
  return { type: "token", id: t.id, tenantId: t.tenant_id, name: t.name, role: t.role, createdBy: t.created_by, createdAt: iso(t.created_at), expiresAt: iso(t.expires_at), revokedAt: iso(t.revoked_at) };
}

const tokenLiveIn = (t: ApiTokenRow, w: Window): boolean => t.created_at <= w.to && t.expires_at >= w.from && (t.revoked_at === null || t.revoked_at >= w.from);

/** Tenants and roles reachable by the resolved actor, before projects are added. */
async function reach(s: Services, r: Resolved, w: Window): Promise<{ roles: RolesHeld; tokens: ApiTokenRow[]; notes: string[] }> {
  if (r.kind === "user") {
    const roles = await rolesHeldInWindow(s.store.db, r.user.id, w.from, w.to);
    const tokens = (await apiTokensCreatedBy(s.store.db, r.user.id)).filter((t) => tokenLiveIn(t, w));
    const notes = ["Roles are rebuilt from current memberships and the audited membership changes; memberships made before the audit log existed count as held throughout."];
    if (r.user.is_operator === 1) notes.push("This user is an operator: operators manage tenants (create, pause, invite the first lab admin) but read no tenant data.");
    return { roles, tokens, notes };
  }
  if (r.kind === "token") {
    const live = tokenLiveIn(r.token, w);
    return { roles: live ? new Map([[r.token.tenant_id, new Set([r.token.role])]]) : new Map(), tokens: [], notes: live ? [] : ["This token was not valid at any time in the window."] };
  }
  return { roles: new Map(), tokens: [], notes: [`No current ${r.type === "gateway_key" ? "gateway key" : "identity"} matches this id: what it could reach is unknown; what it did is taken from the audit log.`] };
}

/**
 * The exposure report for `actor` (user id or email, API token id, or
 * gateway key id) over `w`; with `tenantId`, everything is limited to that
 * tenant, and an actor with no part in it is not_found (like a stranger).
 */
export async function actorExposure(s: Services, q: { actor: string; tenantId?: string } & Window, caller: Caller): Promise<ActorExposure> {
  const w: Window = { from: q.from, to: q.to };
  const resolved = await resolveActor(s, q.actor);
  const notFound = () => new SealroomError("not_found", q.tenantId ? "No such user, API token or gateway key in this tenant." : "No user, API token or gateway key has this id or email.");
  if (!resolved) throw notFound();
  const actorId = resolved.kind === "user" ? resolved.user.id : resolved.kind === "token" ? resolved.token.id : resolved.id;
  const r = await reach(s, resolved, w);
  if (q.tenantId !== undefined) {
    for (const t of [...r.roles.keys()]) if (t !== q.tenantId) r.roles.delete(t);
    r.tokens = r.tokens.filter((t) => t.tenant_id === q.tenantId);
  }
  const groups = await actorReadGroups(s.store.db, actorId, w, DATA_READ_ACTIONS, q.tenantId);
  const activity = await actorActivity(s.store.db, actorId, w, q.tenantId);
  const related = r.roles.size > 0 || activity.n > 0 || (resolved.kind === "token" && resolved.token.tenant_id === q.tenantId);
  if (q.tenantId !== undefined && !related) throw notFound();

  const report: ActorExposure = {
    kind: "actor",
    ...(await reportFrame(s, w)),
    scopeTenantId: q.tenantId ?? null,
    actor: identityOf(resolved),
    couldReach: {
      tenants: await reachableTenants(s, r.roles, w),
      apiTokens: r.tokens.map(tokenIdentity),
      leasedItems: resolved.kind === "user" ? await itemsLeasedBy(s.store.db, resolved.user.id, w.from, w.to, q.tenantId) : [],
      notes: [...r.notes, LEASES_NOTE],
    },
    didRead: didReadOf(groups),
    proof: {
      readEntries: groups.reduce((a, g) => a + g.n, 0),
      firstSeq: groups.reduce<number | null>((a, g) => (a === null ? g.first_seq : Math.min(a, g.first_seq)), null),
      lastSeq: groups.reduce<number | null>((a, g) => (a === null ? g.last_seq : Math.max(a, g.last_seq)), null),
      allEntries: activity.n,
      allFirstSeq: activity.first_seq,
      allLastSeq: activity.last_seq,
    },
  };
  await recordReport(s, caller, q.tenantId ?? null, { actor: actorId, from: w.from, to: w.to });
  return report;
}

/** The tenants behind `roles`, each with the projects that existed by the end of the window. */
async function reachableTenants(s: Services, roles: RolesHeld, w: Window): Promise<ActorExposure["couldReach"]["tenants"]> {
  const out = [];
  for (const [tenantId, held] of roles) {
    const t = await findTenant(s.store.db, tenantId);
    if (!t) continue;
    const projects = (await listProjects(s.store.db, tenantId)).filter((p) => p.created_at <= w.to).map((p) => ({ id: p.id, slug: p.slug, name: p.name }));
    out.push({ tenantId, slug: t.slug, name: t.name, roles: [...held].sort(), projects });
  }
  return out;
}

/** Item reads, exports and gateway calls per project, with totals. */
function didReadOf(groups: readonly ActorReadGroup[]): ActorExposure["didRead"] {
  const of = (action: string) => byProject(groups.filter((g) => g.action === action));
  const [items, exports, gatewayCalls] = [of(ITEM_READ), of(EXPORT_DOWNLOAD), of(GATEWAY_CALL)];
  const sum = (gs: readonly ReadGroup[], f: (g: ReadGroup) => number) => gs.reduce((a, g) => a + f(g), 0);
  const totals = { itemReads: sum(items, (g) => g.count), distinctItems: sum(items, (g) => g.distinctObjects), exports: sum(exports, (g) => g.count), gatewayCalls: sum(gatewayCalls, (g) => g.count) };
  return { items, exports, gatewayCalls, totals };
}

function identityOf(r: Resolved): ActorIdentity {
  if (r.kind === "user") return { type: "user", id: r.user.id, email: r.user.email, displayName: r.user.display_name, isOperator: r.user.is_operator === 1, status: r.user.status };
  if (r.kind === "token") return tokenIdentity(r.token);
  return { type: r.type, id: r.id };
}

/** Records that a report was produced, before it is returned (fail closed). */
export async function recordReport(s: Services, caller: Caller, tenantId: string | null, detail: Record<string, unknown>): Promise<void> {
  await s.store.transaction((tx) => s.audit.record(tx, eventBy(caller, { tenantId, action: AUDIT_EXPOSURE, objectType: "exposure_report", detail })));
}
