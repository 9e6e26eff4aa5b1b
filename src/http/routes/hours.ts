/**
 * The hours ledger: weekly timesheets (a contractor sees only their own),
 * the CSV export, manual entries, lab-admin decisions and corrections, and
 * the attempts refused while work was paused. Signed-in people only: hours
 * are a person's claim and a person's approval.
 */
import { isoTime as iso } from "../../domain/time.js";
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { roleIn } from "../../domain/policy.js";
import type { TenantRow } from "../../store/repos/tenants.js";
import {
  blockedAttempts,
  correctEntry,
  decideEntry,
  exportTimesheet,
  hoursEntries,
  hoursEntryJson,
  hoursPeriod,
  hoursTimesheet,
  timesheetRowJson,
  logManualEntry,
  type HoursPeriod,
  type Timesheet,
} from "../../services/work-hours.js";
import { json, route, sessionOf, type Principal } from "../route.js";
import { tenantFor } from "../tenant-access.js";

const BASE = "/api/tenants/:tenant/hours";
const id = z.string().min(1).max(128);
const period = { week: z.string().max(16).optional(), from: z.string().max(64).optional(), to: z.string().max(64).optional() };
const page = { after: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(200).optional() };
/** An instant as epoch milliseconds or RFC 3339 text; the service checks the span against the clock. */
const instant = z.union([z.number(), z.string().max(64)]);

/** The signed-in person's user id. */
const userOf = (principal: Principal | undefined) => sessionOf(principal).resolved.actor.userId;

/** True when the caller sees everyone's hours in the tenant (lab admins and auditors); contractors see their own. */
function seesAll(principal: Principal | undefined, tenant: TenantRow): boolean {
  const role = roleIn(sessionOf(principal).resolved.actor, tenant.id);
  return role === "lab_admin" || role === "lab_auditor";
}

const presentPeriod = (p: HoursPeriod) => ({ label: p.label, from: iso(p.from), to: iso(p.to) });

function presentSheet(t: Timesheet) {
  return { period: presentPeriod(t.period), rows: t.rows.map(timesheetRowJson), totals: { ...t.totals } };
}

export const hoursRoutes = [
  route({
    method: "GET",
    path: BASE,
    auth: "session",
    summary: "Weekly timesheet rows (per contractor, project and ISO week) and their totals; a contractor sees only their own.",
    query: z.strictObject({ ...period, userId: id.optional(), projectId: id.optional() }),
    handle: async ({ s, params, principal, query }) => {
      const tenant = await tenantFor(s, principal, params["tenant"]!, "tenant.hours.read");
      const userId = seesAll(principal, tenant) ? (query.userId ?? null) : userOf(principal);
      const sheet = await hoursTimesheet(s, tenant.id, hoursPeriod(s, query), { userId, project: query.projectId ?? null });
      return json(presentSheet(sheet));
    },
  }),
  route({
    method: "GET",
    path: `${BASE}/export`,
    auth: "session",
    summary: "The tenant's timesheet as CSV (RFC 4180, formula-safe) wrapped in JSON with a file name; lab admins and auditors; audited.",
    query: z.strictObject(period),
    handle: async ({ s, params, principal, query, caller }) => {
      const tenant = await tenantFor(s, principal, params["tenant"]!, "tenant.hours.read");
      if (!seesAll(principal, tenant)) throw new SealroomError("forbidden", "Only lab admins and auditors export the tenant's hours.");
      const r = await exportTimesheet(s, tenant, hoursPeriod(s, query), caller);
      return json({ filename: r.filename, contentType: "text/csv; charset=utf-8", rows: r.rows, csv: r.csv });
    },
  }),
  route({
    method: "POST",
    path: `${BASE}/entries`,
    auth: "session",
    summary: "Log time worked outside the task flow on a project (at most 24 h, not in the future, with a reason); pending until a lab admin decides. 423 while paused.",
    body: z.strictObject({ projectId: id, start: instant, end: instant, reason: z.string().max(2000) }),
    handle: async ({ s, params, principal, body, caller }) => {
      const tenant = await tenantFor(s, principal, params["tenant"]!, "tenant.hours.log");
      return json({ entry: hoursEntryJson(await logManualEntry(s, tenant, userOf(principal), body, caller)) }, 201);
    },
  }),
  route({
    method: "GET",
    path: `${BASE}/entries`,
    auth: "session",
    summary: "Entries with their reasons opened (the read is audited): pending ones (default), or all counted in a period (keyset: ?after=id).",
    query: z.strictObject({ status: z.enum(["pending", "all"]).optional(), ...period, userId: id.optional(), projectId: id.optional(), ...page }),
    handle: async ({ s, params, principal, query, caller }) => {
      const tenant = await tenantFor(s, principal, params["tenant"]!, "tenant.hours.approve");
      const q = (query.status ?? "pending") === "pending" ? ({ status: "pending" } as const) : ({ status: "all", period: hoursPeriod(s, query), userId: query.userId ?? null, project: query.projectId ?? null } as const);
      const r = await hoursEntries(s, tenant.id, q, query.after ?? "", query.limit ?? 50, caller);
      return json({ entries: r.entries.map(hoursEntryJson), next: r.next });
    },
  }),
  route({
    method: "POST",
    path: `${BASE}/entries/:id/decision`,
    auth: "session",
    summary: "Approve or reject a pending manual entry (once; never your own).",
    body: z.strictObject({ decision: z.enum(["approved", "rejected"]) }),
    handle: async ({ s, params, principal, body, caller }) => {
      const tenant = await tenantFor(s, principal, params["tenant"]!, "tenant.hours.approve");
      return json({ entry: hoursEntryJson(await decideEntry(s, tenant.id, params["id"]!, body.decision, userOf(principal), caller)) });
    },
  }),
  route({
    method: "POST",
    path: `${BASE}/entries/:id/correction`,
    auth: "session",
    summary: "Amend a decided entry with a signed number of milliseconds and a reason: a new correction entry, counted in the week it is made.",
    body: z.strictObject({ ms: z.number().int(), reason: z.string().max(2000) }),
    handle: async ({ s, params, principal, body, caller }) => {
      const tenant = await tenantFor(s, principal, params["tenant"]!, "tenant.hours.approve");
      return json({ entry: hoursEntryJson(await correctEntry(s, tenant.id, params["id"]!, body, userOf(principal), caller)) }, 201);
    },
  }),
  route({
    method: "GET",
    path: `${BASE}/blocked`,
    auth: "session",
    summary: "Attempts refused while work was paused (who, what, when, why), oldest first, to reconcile hours on resume (keyset: ?after=id).",
    query: z.strictObject({ ...period, ...page }),
    handle: async ({ s, params, principal, query }) => {
      const tenant = await tenantFor(s, principal, params["tenant"]!, "tenant.hours.approve");
      const r = await blockedAttempts(s, tenant.id, hoursPeriod(s, query, 366), query.after ?? "", query.limit ?? 100);
      return json({ attempts: r.attempts.map((a) => ({ id: a.id, projectId: a.projectId, userId: a.userId, action: a.action, reason: a.reason, at: iso(a.at) })), next: r.next });
    },
  }),
];
