/**
 * The hours ledger, the one a contractor and a lab can both trust: work
 * sessions derived from the task events the queue recorded (idle gaps closed
 * at IDLE_GAP_MS), manual entries a contractor claims with a reason (pending
 * until a lab admin decides), and corrections a lab admin appends with a
 * signed amount. Nothing is edited or deleted: a mistake is fixed by a new
 * entry. Reasons are sealed; opening them is audited first (hours.read).
 *
 * Sessions are derived week by week (ISO 8601, UTC): a session never crosses
 * a Monday 00:00 boundary, so every event belongs to exactly one week and a
 * week's totals never change when a neighbouring week is read.
 */
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { isoTime, parseIsoTime } from "../domain/time.js";
import {
  deriveSessions,
  isoWeekOf,
  manualEntryInputSchema,
  parseManualEntry,
  timesheet,
  timesheetCsv,
  type LedgerEntry,
  type LedgerStatus,
  type TaskEvent,
  type TimesheetRow,
} from "../domain/work/hours.js";
import { decisionsOf, entriesPage, findHoursEntry, insertHoursDecision, insertHoursEntry, nextEventUser, pendingEntriesPage, userEventsPage, type HoursDecisionRow, type HoursEntryRow } from "../store/repos/hours.js";
import { listBlockedAttempts } from "../store/repos/pause.js";
import type { TenantRow } from "../store/repos/tenants.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { projectOf } from "./project-admin.js";
import { assertWorkable, memberAs, workContext } from "./work-access.js";
import { IDLE_GAP_MS } from "./work-queue.js";

const DAY_MS = 86_400_000;
/** Longest from/to period a timesheet or export covers (a month); blocked attempts page through a year. */
export const MAX_PERIOD_DAYS = 31;
/** Largest correction, either sign: a week of work. */
export const MAX_CORRECTION_MS = 7 * DAY_MS;
const EVENT_PAGE = 1000;
const ENTRY_PAGE = 500;

function invalid(path: string, message: string): SealroomError {
  return new SealroomError("validation_failed", `${path}: ${message}.`, { issues: [{ path, message }] });
}

// ---------------------------------------------------------------- periods

/** A half-open span [from, to) of epoch milliseconds and how to name it. */
export interface HoursPeriod {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

/** The ISO week "2026-W48" as [its Monday 00:00 UTC, the next Monday). */
export function weekPeriod(label: string): HoursPeriod {
  const m = /^(\d{4})-W(\d{2})$/.exec(label);
  if (m && Number(m[1]) > 1970) {
    const jan4 = Date.UTC(Number(m[1]), 0, 4) / DAY_MS; // week 1 is the week holding 4 January (ISO 8601 §3.2.2)
    const from = (jan4 - ((jan4 + 3) % 7) + 7 * (Number(m[2]) - 1)) * DAY_MS;
    // W00, or W53 of a year with 52 weeks, lands in another week: refuse rather than roll over.
    if (Number(m[2]) >= 1 && isoWeekOf(from).label === label) return { from, to: from + 7 * DAY_MS, label };
  }
  throw invalid("week", "must be an ISO week such as 2026-W48");
}

/** The period a request names: an ISO week, or from/to (RFC 3339, at most `maxDays` apart), or else the current week. */
export function hoursPeriod(s: Services, input: { week?: string | undefined; from?: string | undefined; to?: string | undefined }, maxDays = MAX_PERIOD_DAYS): HoursPeriod {
  if (input.week !== undefined) {
    if (input.from !== undefined || input.to !== undefined) throw invalid("week", "give either week or from and to, not both");
    return weekPeriod(input.week);
  }
  if (input.from === undefined && input.to === undefined) return weekPeriod(isoWeekOf(s.now()).label);
  const from = input.from === undefined ? undefined : parseIsoTime(input.from);
  const to = input.to === undefined ? undefined : parseIsoTime(input.to);
  if (from === undefined || from < 0) throw invalid("from", "must be an RFC 3339 date or time with an offset");
  if (to === undefined) throw invalid("to", "must be an RFC 3339 date or time with an offset");
  if (to <= from) throw invalid("to", "must be after from");
  if (to - from > maxDays * DAY_MS) throw invalid("to", `the period may span at most ${maxDays} days`);
  return { from, to, label: `${new Date(from).toISOString()}..${new Date(to).toISOString()}` };
}

// ---------------------------------------------------------------- timesheets

/** Whose hours: everyone's (null) or one contractor's; every project (null) or one (id or slug). */
export interface HoursFilter {
  readonly userId: string | null;
  readonly project: string | null;
}

type Sums = Pick<TimesheetRow, "autoMs" | "approvedManualMs" | "pendingManualMs" | "rejectedManualMs" | "correctionsMs" | "totalApprovedMs">;

/** Timesheet rows per (contractor, project, week) and their sums. */
export interface Timesheet {
  readonly period: HoursPeriod;
  readonly rows: TimesheetRow[];
  readonly totals: Sums;
}

/** The contractors with task events: the one asked for, or every one, one index seek each. */
async function* eventUsers(s: Services, tenantId: string, userId: string | null): AsyncGenerator<string> {
  if (userId !== null) {
    yield userId;
    return;
  }
  for (let u = await nextEventUser(s.store.db, tenantId, ""); u !== undefined; u = await nextEventUser(s.store.db, tenantId, u)) yield u;
}

/** One contractor's work sessions in the period as ledger entries, derived week by week from keyset pages of events. */
async function sessionEntries(s: Services, tenantId: string, userId: string, period: HoursPeriod): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let week = "";
  let bucket: TaskEvent[] = [];
  const flush = () => {
    for (const w of deriveSessions(bucket, { idleGapMs: IDLE_GAP_MS })) {
      if (w.activeMs > 0) out.push({ id: `session:${userId}:${w.start}`, userId, projectId: w.projectId, kind: "task", ms: w.activeMs, at: w.start, status: "auto" });
    }
    bucket = [];
  };
  let after: { at: number; id: string } | null = null;
  for (;;) {
    const page = await userEventsPage(s.store.db, tenantId, userId, period.from, period.to, after, EVENT_PAGE);
    for (const e of page) {
      const label = isoWeekOf(e.at).label;
      if (label !== week) {
        flush();
        week = label;
      }
      bucket.push({ kind: e.kind, at: e.at, projectId: e.project_id, assignmentId: e.assignment_id });
    }
    const last = page[page.length - 1];
    if (!last || page.length < EVENT_PAGE) break;
    after = { at: last.at, id: last.id };
  }
  flush();
  return out;
}

/** The decision on each entry (the latest, though a second one is refused). */
function byEntry(decisions: readonly HoursDecisionRow[]): Map<string, HoursDecisionRow> {
  return new Map(decisions.map((d) => [d.entry_id, d]));
}

/** A manual entry is pending until decided; a correction is made by a lab admin and counts at once. */
function statusOf(e: HoursEntryRow, d: HoursDecisionRow | undefined): LedgerStatus {
  return e.kind === "correction" ? "approved" : (d?.decision ?? "pending");
}

/** Manual entries and corrections counted in the period, with their decisions. */
async function storedEntries(s: Services, tenantId: string, period: HoursPeriod, filter: { userId: string | null; projectId: string | null }): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for (let after = ""; ; ) {
    const page = await entriesPage(s.store.db, tenantId, period.from, period.to, filter, after, ENTRY_PAGE);
    const decided = byEntry(await decisionsOf(s.store.db, tenantId, page.map((e) => e.id)));
    for (const e of page) {
      const base = { id: e.id, userId: e.user_id, projectId: e.project_id, ms: e.ms, at: e.start_at, status: statusOf(e, decided.get(e.id)) };
      out.push(e.kind === "correction" ? { ...base, kind: "correction", correctsId: e.ref_id ?? "" } : { ...base, kind: "manual" });
    }
    const last = page[page.length - 1];
    if (!last || page.length < ENTRY_PAGE) return out;
    after = last.id;
  }
}

function sum(rows: readonly TimesheetRow[]): Sums {
  const t = { autoMs: 0, approvedManualMs: 0, pendingManualMs: 0, rejectedManualMs: 0, correctionsMs: 0, totalApprovedMs: 0 };
  for (const r of rows) for (const k of Object.keys(t) as Array<keyof Sums>) t[k] += r[k];
  return t;
}

/** The weekly timesheet of a tenant over `period`, for one contractor and/or project or all. */
export async function hoursTimesheet(s: Services, tenantId: string, period: HoursPeriod, filter: HoursFilter): Promise<Timesheet> {
  const projectId = filter.project === null ? null : (await projectOf(s, tenantId, filter.project)).id;
  const entries: LedgerEntry[] = [];
  for await (const userId of eventUsers(s, tenantId, filter.userId)) {
    for (const e of await sessionEntries(s, tenantId, userId, period)) if (projectId === null || e.projectId === projectId) entries.push(e);
  }
  entries.push(...(await storedEntries(s, tenantId, period, { userId: filter.userId, projectId })));
  const rows = timesheet(entries);
  return { period, rows, totals: sum(rows) };
}

/** The tenant's timesheet for the period as RFC 4180 CSV (formula-safe), audited as hours.export. */
export async function exportTimesheet(s: Services, tenant: TenantRow, period: HoursPeriod, caller: Caller): Promise<{ csv: string; filename: string; rows: number }> {
  const sheet = await hoursTimesheet(s, tenant.id, period, { userId: null, project: null });
  await s.store.transaction((tx) =>
    s.audit.record(tx, eventBy(caller, { tenantId: tenant.id, action: "hours.export", objectType: "timesheet", objectId: period.label, detail: { from: period.from, to: period.to, rows: sheet.rows.length } })),
  );
  const name = `hours-${tenant.slug}-${period.label}`.replace(/[^A-Za-z0-9._-]/g, "_");
  return { csv: timesheetCsv(sheet.rows), filename: `${name}.csv`, rows: sheet.rows.length };
}

// ---------------------------------------------------------------- entries

/** An entry of the ledger as people see it; `reason` only where it was opened (and audited). */
export interface HoursEntryView {
  readonly id: string;
  readonly projectId: string;
  readonly userId: string;
  readonly kind: HoursEntryRow["kind"];
  readonly start: number;
  readonly end: number;
  readonly ms: number;
  readonly refId: string | null;
  readonly status: LedgerStatus;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly reason?: string;
}

/** An entry as the API and `sealroom hours … --json` print it (times as ISO 8601). */
export function hoursEntryJson(e: HoursEntryView) {
  return {
    id: e.id,
    projectId: e.projectId,
    userId: e.userId,
    kind: e.kind,
    start: isoTime(e.start),
    end: isoTime(e.end),
    ms: e.ms,
    refId: e.refId,
    status: e.status,
    createdBy: e.createdBy,
    createdAt: isoTime(e.createdAt),
    decidedBy: e.decidedBy,
    decidedAt: e.decidedAt === null ? null : isoTime(e.decidedAt),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  };
}

/** A timesheet row as the API and `sealroom hours list --json` print it. */
export function timesheetRowJson(r: TimesheetRow) {
  return {
    userId: r.userId,
    projectId: r.projectId,
    week: r.week,
    weekFirstDay: r.weekFirstDay,
    autoMs: r.autoMs,
    approvedManualMs: r.approvedManualMs,
    pendingManualMs: r.pendingManualMs,
    rejectedManualMs: r.rejectedManualMs,
    correctionsMs: r.correctionsMs,
    totalApprovedMs: r.totalApprovedMs,
  };
}

function viewOf(e: HoursEntryRow, d: HoursDecisionRow | undefined): HoursEntryView {
  return {
    id: e.id,
    projectId: e.project_id,
    userId: e.user_id,
    kind: e.kind,
    start: e.start_at,
    end: e.end_at,
    ms: e.ms,
    refId: e.ref_id,
    status: statusOf(e, d),
    createdBy: e.created_by,
    createdAt: e.created_at,
    decidedBy: d?.decided_by ?? null,
    decidedAt: d?.decided_at ?? null,
  };
}

const reasonContext = (tenantId: string, id: string) => ({ tenantId, table: "hours_entries", rowId: id, field: "reason" }) as const;

/** Seals the reason under the new row's own context and appends the row, audited in the same transaction. */
async function appendEntry(s: Services, row: Omit<HoursEntryRow, "reason">, reason: string, action: string, caller: Caller, detail: Record<string, unknown>): Promise<HoursEntryView> {
  await s.keyring.current(row.tenant_id);
  const sealed = await s.sealer.seal(reasonContext(row.tenant_id, row.id), reason);
  await s.store.transaction(async (tx) => {
    await insertHoursEntry(tx, { ...row, reason: sealed });
    await s.audit.record(tx, eventBy(caller, { tenantId: row.tenant_id, action, objectType: "hours_entry", objectId: row.id, detail: { projectId: row.project_id, ms: row.ms, ...detail } }));
  });
  return viewOf({ ...row, reason: sealed }, undefined);
}

/**
 * A contractor's manual entry on a project they work on, pending until a lab
 * admin decides. Refused with 423 (and the attempt recorded for
 * reconciliation) while the tenant or project is paused.
 */
export async function logManualEntry(s: Services, tenant: TenantRow, userId: string, input: { projectId: string; start: unknown; end: unknown; reason: unknown }, caller: Caller): Promise<HoursEntryView> {
  const ctx = await workContext(s, tenant, input.projectId);
  await memberAs(s, ctx, userId, "contractor");
  await assertWorkable(s, ctx, userId, "hours.log", caller);
  const now = s.now();
  const e = parseManualEntry({ ...input, projectId: ctx.project.id }, now);
  const row = { tenant_id: tenant.id, id: uuidv7(now), project_id: e.projectId, user_id: userId, kind: "manual" as const, start_at: e.start, end_at: e.end, ms: e.ms, ref_id: null, created_by: userId, created_at: now };
  return appendEntry(s, row, e.reason, "hours.log", caller, {});
}

/** Another lab admin must decide on hours that are the decider's own (logged by or for them). */
function assertNotOwn(e: HoursEntryRow, actorId: string, what: string): void {
  if (e.user_id === actorId || e.created_by === actorId) throw new SealroomError("forbidden", `You cannot ${what} your own hours; another lab admin must.`);
}

/**
 * A lab admin approves or rejects a pending manual entry: one decision row,
 * final (a later change is a correction). `deciderId` is the lab admin's user
 * id, or "terminal" from the server's command line.
 */
export async function decideEntry(s: Services, tenantId: string, entryId: string, decision: HoursDecisionRow["decision"], deciderId: string, caller: Caller): Promise<HoursEntryView> {
  return s.store.transaction(async (tx) => {
    const e = await findHoursEntry(tx, tenantId, entryId, s.store.kind === "postgres");
    if (!e) throw new SealroomError("not_found", "No such hours entry.");
    if (e.kind !== "manual") throw new SealroomError("conflict", "Only manual entries are approved or rejected; a correction counts when it is made.");
    assertNotOwn(e, deciderId, "decide on");
    const [prior] = await decisionsOf(tx, tenantId, [e.id]);
    if (prior) throw new SealroomError("conflict", `This entry was already ${prior.decision}; change its hours with a correction.`, { decision: prior.decision });
    const now = s.now();
    const row: HoursDecisionRow = { tenant_id: tenantId, id: uuidv7(now), entry_id: e.id, decision, decided_by: deciderId, decided_at: now };
    await insertHoursDecision(tx, row);
    const action = decision === "approved" ? "hours.approve" : "hours.reject";
    await s.audit.record(tx, eventBy(caller, { tenantId, action, objectType: "hours_entry", objectId: e.id, detail: { userId: e.user_id, projectId: e.project_id, ms: e.ms } }));
    return viewOf(e, row);
  });
}

/** A reason as a manual entry takes it (3 to 500 characters, trimmed, no control characters). */
function checkReason(reason: unknown): string {
  const r = manualEntryInputSchema.shape.reason.safeParse(reason);
  if (!r.success) throw invalid("reason", r.error.issues[0]?.message ?? "is invalid");
  return r.data;
}

/**
 * A lab admin amends an entry with a signed number of milliseconds and a
 * reason: a new `correction` row referencing it, counted in the week it is
 * made. A pending entry is decided, not corrected.
 */
export async function correctEntry(s: Services, tenantId: string, entryId: string, input: { ms: number; reason: unknown }, byId: string, caller: Caller): Promise<HoursEntryView> {
  if (!Number.isSafeInteger(input.ms) || input.ms === 0 || Math.abs(input.ms) > MAX_CORRECTION_MS) throw invalid("ms", `must be a non-zero whole number of milliseconds within ±${MAX_CORRECTION_MS}`);
  const reason = checkReason(input.reason);
  const target = await findHoursEntry(s.store.db, tenantId, entryId, false);
  if (!target) throw new SealroomError("not_found", "No such hours entry.");
  assertNotOwn(target, byId, "correct");
  if (target.kind === "manual" && (await decisionsOf(s.store.db, tenantId, [target.id])).length === 0) {
    throw new SealroomError("conflict", "This entry is still pending; approve or reject it rather than correcting it.");
  }
  const now = s.now();
  const row = { tenant_id: tenantId, id: uuidv7(now), project_id: target.project_id, user_id: target.user_id, kind: "correction" as const, start_at: now, end_at: now, ms: input.ms, ref_id: target.id, created_by: byId, created_at: now };
  return appendEntry(s, row, reason, "hours.correct", caller, { refId: target.id, userId: target.user_id });
}

/** Which entries to open: those still pending (any date), or all counted in a period. */
export type EntryQuery = { readonly status: "pending" } | { readonly status: "all"; readonly period: HoursPeriod; readonly userId: string | null; readonly project: string | null };

/** A page of entries with their reasons opened; the read is audited (hours.read) before any is opened. */
export async function hoursEntries(s: Services, tenantId: string, query: EntryQuery, afterId: string, limit: number, caller: Caller): Promise<{ entries: HoursEntryView[]; next: string | null }> {
  const rows =
    query.status === "pending"
      ? await pendingEntriesPage(s.store.db, tenantId, afterId, limit)
      : await entriesPage(s.store.db, tenantId, query.period.from, query.period.to, { userId: query.userId, projectId: query.project === null ? null : (await projectOf(s, tenantId, query.project)).id }, afterId, limit);
  const ids = rows.map((r) => r.id);
  const decided = byEntry(await decisionsOf(s.store.db, tenantId, ids));
  if (ids.length > 0) {
    await s.store.transaction((tx) => s.audit.record(tx, eventBy(caller, { tenantId, action: "hours.read", objectType: "hours_entry", objectId: null, detail: { entries: ids } })));
  }
  const entries: HoursEntryView[] = [];
  for (const r of rows) entries.push({ ...viewOf(r, decided.get(r.id)), reason: await s.sealer.openText(reasonContext(tenantId, r.id), r.reason) });
  const last = rows[rows.length - 1];
  return { entries, next: last && rows.length === limit ? last.id : null };
}

/** An attempt refused because work was paused. */
export interface BlockedAttempt {
  readonly id: string;
  readonly projectId: string | null;
  readonly userId: string;
  readonly action: string;
  readonly reason: string;
  readonly at: number;
}

/** Attempts refused while paused in the period, oldest first, so a lab admin can reconcile hours on resume. */
export async function blockedAttempts(s: Services, tenantId: string, period: HoursPeriod, afterId: string, limit: number): Promise<{ attempts: BlockedAttempt[]; next: string | null }> {
  const rows = await listBlockedAttempts(s.store.db, tenantId, period.from, period.to, afterId, limit);
  const attempts = rows.map((r) => ({ id: r.id, projectId: r.project_id, userId: r.user_id, action: r.action, reason: r.reason, at: r.at }));
  const last = rows[rows.length - 1];
  return { attempts, next: last && rows.length === limit ? last.id : null };
}
