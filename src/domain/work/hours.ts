/**
 * The hours ledger of a contractor, as pure functions over facts the server
 * recorded: work sessions derived from task events, the measured time on one
 * task, weekly timesheets over the append-only ledger, their CSV export, and
 * the validation of a hand-entered time claim. Times are epoch milliseconds
 * passed in by the caller; nothing here reads the clock. Imports only zod and
 * the domain folder.
 */
import { z } from "zod";
import { SealroomError, type FieldIssue } from "../errors.js";
import { parseIsoTime } from "../time.js";

const DAY_MS = 86_400_000;
/** Longest span one manual entry may claim. */
export const MAX_MANUAL_ENTRY_MS = DAY_MS;

function bad(path: string, message: string): SealroomError {
  return new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
}

function checkInstant(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw bad(path, "must be a non-negative integer of epoch milliseconds");
  return value;
}

function checkIdleGap(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw bad("idleGapMs", "must be a finite number >= 0");
  return value;
}

// ---------------------------------------------------------------- sessions

/** What happened to an assignment, as recorded by the server. */
export type TaskEventKind = "lease" | "heartbeat" | "draft" | "skip" | "submit" | "expire";

/**
 * Order of kinds at the same millisecond: a task's lifecycle order, so a
 * lease sorts before the heartbeat or submit stamped in the same instant.
 * Prototype-less so a hostile kind such as "__proto__" is not found.
 */
const KIND_ORDER: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  lease: 0,
  heartbeat: 1,
  draft: 2,
  skip: 3,
  submit: 4,
  expire: 5,
});

/** One task event of one contractor. */
export interface TaskEvent {
  readonly kind: TaskEventKind;
  readonly at: number;
  readonly projectId: string;
  readonly assignmentId: string;
}

/** A stretch of continuous work on one project. */
export interface WorkSession {
  readonly projectId: string;
  readonly start: number;
  readonly end: number;
  /** end − start: idle gaps never fall inside a session, they separate sessions. */
  readonly activeMs: number;
  /** Assignments touched in the session, in order of first event. */
  readonly assignmentIds: readonly string[];
}

/** How long a silence may last and still count as work. */
export interface IdleOptions {
  readonly idleGapMs: number;
}

function checkEvent(e: TaskEvent, i: number): TaskEvent {
  const at = `events[${i}]`;
  if (typeof e.kind !== "string" || KIND_ORDER[e.kind] === undefined) throw bad(`${at}.kind`, "is not a task event kind");
  checkInstant(e.at, `${at}.at`);
  if (typeof e.projectId !== "string" || e.projectId === "") throw bad(`${at}.projectId`, "must be a non-empty string");
  if (typeof e.assignmentId !== "string" || e.assignmentId === "") throw bad(`${at}.assignmentId`, "must be a non-empty string");
  return { kind: e.kind, at: e.at, projectId: e.projectId, assignmentId: e.assignmentId };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Total order on events: time, lifecycle kind, project, assignment (code-unit order, no locale). */
function compareEvents(a: TaskEvent, b: TaskEvent): number {
  return a.at - b.at || KIND_ORDER[a.kind]! - KIND_ORDER[b.kind]! || compareText(a.projectId, b.projectId) || compareText(a.assignmentId, b.assignmentId);
}

interface OpenSession {
  projectId: string;
  start: number;
  end: number;
  ids: string[];
}

const closeSession = (s: OpenSession): WorkSession => ({ projectId: s.projectId, start: s.start, end: s.end, activeMs: s.end - s.start, assignmentIds: s.ids });

/**
 * Work sessions of one contractor from their task events (any order).
 *
 * A silence longer than `idleGapMs` closes the session at its last event; the
 * silence is not counted. A silence of exactly `idleGapMs` is still work.
 * A change of project within the idle gap also closes the session, and the
 * hand-over (finishing one project's task, picking the next project's) is
 * counted to the session being left, which ends where the next one starts:
 * switching projects neither loses time nor counts any twice, so two open
 * tabs on two projects are paid as wall-clock time, not double.
 *
 * `expire` events are dropped: the server's lease timer writes them, not the
 * contractor, so they are no evidence of work (counting them would pay for
 * a lease left open until it timed out).
 */
export function deriveSessions(events: readonly TaskEvent[], options: IdleOptions): WorkSession[] {
  const idleGapMs = checkIdleGap(options.idleGapMs);
  const sorted = events
    .map(checkEvent)
    .filter((e) => e.kind !== "expire")
    .sort(compareEvents);
  const sessions: WorkSession[] = [];
  let open: OpenSession | undefined;
  for (const e of sorted) {
    const continues = open !== undefined && e.at - open.end <= idleGapMs;
    if (open && continues && e.projectId === open.projectId) {
      open.end = e.at;
      if (!open.ids.includes(e.assignmentId)) open.ids.push(e.assignmentId);
      continue;
    }
    if (open) {
      if (continues) open.end = e.at;
      sessions.push(closeSession(open));
    }
    open = { projectId: e.projectId, start: e.at, end: e.at, ids: [e.assignmentId] };
  }
  if (open) sessions.push(closeSession(open));
  return sessions;
}

/**
 * Server-measured time on one task: from the lease to the submit, summing the
 * intervals between consecutive signals (lease, heartbeats, submit) and
 * leaving out every interval longer than `idleGapMs`. Heartbeats outside
 * [leasedAt, submittedAt] are ignored (a late heartbeat from a stale tab).
 */
export function activeMsOfTask(leasedAt: number, heartbeats: readonly number[], submittedAt: number, idleGapMs: number): number {
  checkInstant(leasedAt, "leasedAt");
  checkInstant(submittedAt, "submittedAt");
  checkIdleGap(idleGapMs);
  if (submittedAt < leasedAt) throw bad("submittedAt", "must not be before leasedAt");
  const inside = heartbeats.map((h, i) => checkInstant(h, `heartbeats[${i}]`)).filter((h) => h > leasedAt && h < submittedAt);
  const signals = [leasedAt, ...inside.sort((a, b) => a - b), submittedAt];
  let active = 0;
  for (let i = 1; i < signals.length; i++) {
    const gap = signals[i]! - signals[i - 1]!;
    if (gap <= idleGapMs) active += gap;
  }
  return active;
}

// ---------------------------------------------------------------- ISO weeks

/** An ISO 8601 week (Monday to Sunday, week 1 holds the year's first Thursday). */
export interface IsoWeek {
  readonly year: number;
  readonly week: number;
  /** "2026-W48" */
  readonly label: string;
  /** The Monday it starts on, "2026-11-23". */
  readonly firstDay: string;
}

/** The ISO 8601 week (UTC) an instant falls in. */
export function isoWeekOf(at: number): IsoWeek {
  checkInstant(at, "at");
  const day = Math.floor(at / DAY_MS); // days since 1970-01-01, a Thursday
  const monday = day - ((day + 3) % 7);
  const thursday = monday + 3; // the Thursday decides the week's year (ISO 8601 §3.2.2)
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1) / DAY_MS) / 7) + 1;
  return { year, week, label: `${year}-W${String(week).padStart(2, "0")}`, firstDay: new Date(monday * DAY_MS).toISOString().slice(0, 10) };
}

// ---------------------------------------------------------------- timesheets

/** `task`: measured by the server; `manual`: claimed by the contractor; `correction`: an amendment of another entry. */
export type LedgerKind = "task" | "manual" | "correction";
/** `auto` for task entries and system corrections; manual entries go pending → approved | rejected. */
export type LedgerStatus = "auto" | "pending" | "approved" | "rejected";

/**
 * One row of the append-only hours ledger. Amounts are never edited: a
 * mistake is fixed by a `correction` row whose (possibly negative) `ms`
 * references the entry it amends.
 */
export interface LedgerEntry {
  readonly id: string;
  readonly userId: string;
  readonly projectId: string;
  readonly kind: LedgerKind;
  /** Milliseconds; negative only on a correction. */
  readonly ms: number;
  /** When the entry counts: a task's submit, a manual entry's start, a correction's own time. */
  readonly at: number;
  readonly status: LedgerStatus;
  /** The entry a correction amends; required on corrections, absent otherwise. */
  readonly correctsId?: string;
}

/** Weeks start on Monday in UTC (ISO 8601); the options name that choice and allow no other yet. */
export interface TimesheetOptions {
  readonly weekStart?: "monday";
  readonly timeZone?: "UTC";
}

/** Totals of one contractor on one project in one ISO week. */
export interface TimesheetRow {
  readonly userId: string;
  readonly projectId: string;
  readonly week: string;
  readonly weekFirstDay: string;
  readonly autoMs: number;
  readonly approvedManualMs: number;
  readonly pendingManualMs: number;
  readonly rejectedManualMs: number;
  /** Counted corrections (status auto or approved); may be negative. */
  readonly correctionsMs: number;
  /** autoMs + approvedManualMs + correctionsMs. */
  readonly totalApprovedMs: number;
}

const STATUSES_OF: Readonly<Record<LedgerKind, readonly LedgerStatus[]>> = {
  task: ["auto"],
  manual: ["pending", "approved", "rejected"],
  correction: ["auto", "pending", "approved", "rejected"],
};

function checkEntry(e: LedgerEntry, i: number): void {
  const at = `entries[${i}]`;
  for (const f of ["id", "userId", "projectId"] as const) if (typeof e[f] !== "string" || e[f] === "") throw bad(`${at}.${f}`, "must be a non-empty string");
  const statuses = Object.hasOwn(STATUSES_OF, e.kind) ? STATUSES_OF[e.kind] : undefined;
  if (!statuses) throw bad(`${at}.kind`, "is not a ledger kind");
  if (!statuses.includes(e.status)) throw bad(`${at}.status`, `is not a status of a ${e.kind} entry`);
  if (!Number.isSafeInteger(e.ms) || (e.kind !== "correction" && e.ms < 0)) throw bad(`${at}.ms`, e.kind === "correction" ? "must be an integer" : "must be an integer >= 0");
  checkInstant(e.at, `${at}.at`);
  if (e.kind === "correction" ? typeof e.correctsId !== "string" || e.correctsId === "" || e.correctsId === e.id : e.correctsId !== undefined) {
    throw bad(`${at}.correctsId`, e.kind === "correction" ? "must name another entry" : "is only for corrections");
  }
}

/** Ids unique; a correction of an entry in the input belongs to the same contractor and project. */
function checkReferences(entries: readonly LedgerEntry[]): void {
  const byId = new Map<string, LedgerEntry>();
  entries.forEach((e, i) => {
    if (byId.has(e.id)) throw bad(`entries[${i}].id`, "is a duplicate");
    byId.set(e.id, e);
  });
  entries.forEach((e, i) => {
    const target = e.correctsId === undefined ? undefined : byId.get(e.correctsId);
    if (target && (target.userId !== e.userId || target.projectId !== e.projectId)) throw bad(`entries[${i}].correctsId`, "amends an entry of another contractor or project");
  });
}

type Totals = { -readonly [K in keyof TimesheetRow]: TimesheetRow[K] };

function addTo(t: Totals, e: LedgerEntry): void {
  if (e.kind === "task") t.autoMs += e.ms;
  else if (e.kind === "correction") t.correctionsMs += e.status === "auto" || e.status === "approved" ? e.ms : 0;
  else if (e.status === "approved") t.approvedManualMs += e.ms;
  else if (e.status === "pending") t.pendingManualMs += e.ms;
  else t.rejectedManualMs += e.ms;
}

/**
 * Weekly timesheets: totals per (userId, projectId, ISO week), sorted by those
 * keys. Every entry counts in the week of its own `at`, corrections included:
 * a week already paid keeps its totals, and the amendment shows in the week
 * it was made (a correction referencing an entry outside the input is fine,
 * it may amend an earlier week). A pending or rejected correction is not
 * counted. totalApprovedMs can be negative in a week whose only rows are
 * negative corrections.
 */
export function timesheet(entries: readonly LedgerEntry[], options: TimesheetOptions = {}): TimesheetRow[] {
  if ((options.weekStart ?? "monday") !== "monday") throw bad("weekStart", "only monday (ISO 8601) is supported");
  if ((options.timeZone ?? "UTC") !== "UTC") throw bad("timeZone", "only UTC is supported");
  entries.forEach(checkEntry);
  checkReferences(entries);
  const rows = new Map<string, Totals>();
  for (const e of entries) {
    const week = isoWeekOf(e.at);
    const key = JSON.stringify([e.userId, e.projectId, week.label]);
    let t = rows.get(key);
    if (!t) {
      t = { userId: e.userId, projectId: e.projectId, week: week.label, weekFirstDay: week.firstDay, autoMs: 0, approvedManualMs: 0, pendingManualMs: 0, rejectedManualMs: 0, correctionsMs: 0, totalApprovedMs: 0 };
      rows.set(key, t);
    }
    addTo(t, e);
  }
  const out = [...rows.values()].map((t) => ({ ...t, totalApprovedMs: t.autoMs + t.approvedManualMs + t.correctionsMs }));
  return out.sort((a, b) => compareText(a.userId, b.userId) || compareText(a.projectId, b.projectId) || compareText(a.week, b.week));
}

// ---------------------------------------------------------------- CSV

/**
 * One CSV field from untrusted text. First neutralised against formula
 * injection (OWASP "CSV Injection": a leading = + - @ tab or CR makes a
 * spreadsheet evaluate the cell, so it is prefixed with '), then quoted per
 * RFC 4180 section 2 rules 6-7 when it holds a comma, quote, CR or LF.
 */
export function csvField(value: string): string {
  const inert = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}

/** Hours with two decimals, rounded half away from zero ("-0.25", never "-0.00"). */
export function formatHours(ms: number): string {
  const centi = Math.round(Math.abs(ms) / 36_000);
  const sign = ms < 0 && centi > 0 ? "-" : "";
  return `${sign}${Math.floor(centi / 100)}.${String(centi % 100).padStart(2, "0")}`;
}

const CSV_HEADER = ["user_id", "project_id", "week", "week_first_day", "auto_hours", "approved_manual_hours", "pending_manual_hours", "rejected_manual_hours", "corrections_hours", "total_approved_hours"];

/**
 * Timesheet rows as RFC 4180 CSV: a header line, CRLF line ends. The ids go
 * through csvField; the hours are our own digits and stay unprefixed, so a
 * negative correction reads as a number, not as text.
 */
export function timesheetCsv(rows: readonly TimesheetRow[]): string {
  const lines = [CSV_HEADER.join(",")];
  for (const r of rows) {
    const hours = [r.autoMs, r.approvedManualMs, r.pendingManualMs, r.rejectedManualMs, r.correctionsMs, r.totalApprovedMs].map(formatHours);
    lines.push([csvField(r.userId), csvField(r.projectId), csvField(r.week), csvField(r.weekFirstDay), ...hours].join(","));
  }
  return lines.map((l) => `${l}\r\n`).join("");
}

// ---------------------------------------------------------------- manual entries

/** An instant as epoch milliseconds or RFC 3339 text with an offset (see ../time.ts). */
const instant = z.union([z.number(), z.string()], { error: "must be epoch milliseconds or an RFC 3339 time" }).transform((v, ctx) => {
  const ms = typeof v === "string" ? parseIsoTime(v) : Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: "custom", message: typeof v === "string" ? "must be an RFC 3339 time with an offset" : "must be whole epoch milliseconds >= 0" });
  return z.NEVER;
});

const codePoints = (s: string) => [...s].length;

/** A contractor's claim of time worked outside the task flow, as it arrives (unknown fields refused). */
export const manualEntryInputSchema = z.strictObject({
  projectId: z.string().min(1, "must not be empty").max(128, "must be at most 128 characters"),
  start: instant,
  end: instant,
  reason: z
    .string()
    .transform((s) => s.trim())
    .refine((s) => codePoints(s) >= 3, "must be at least 3 characters")
    .refine((s) => codePoints(s) <= 500, "must be at most 500 characters")
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), "must not contain control characters"),
});

/** A validated manual entry: instants in epoch ms, the reason trimmed. */
export interface ManualEntry {
  readonly projectId: string;
  readonly start: number;
  readonly end: number;
  readonly ms: number;
  readonly reason: string;
}

/** Checks that need two fields or the clock reading `now`. */
function spanIssues(start: number, end: number, now: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (end <= start) issues.push({ path: "end", message: "must be after start" });
  else if (end - start > MAX_MANUAL_ENTRY_MS) issues.push({ path: "end", message: "an entry may span at most 24 hours" });
  if (end > now) issues.push({ path: "end", message: "must not be in the future" });
  return issues;
}

/**
 * Validates a manual entry against `now` (epoch ms, read by the caller):
 * end after start, at most 24 hours, not ending in the future. Throws
 * SealroomError("validation_failed") listing every issue.
 */
export function parseManualEntry(input: unknown, now: number): ManualEntry {
  checkInstant(now, "now");
  const r = manualEntryInputSchema.safeParse(input);
  const issues: FieldIssue[] = r.success
    ? spanIssues(r.data.start, r.data.end, now)
    : r.error.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join(".") : "(entry)", message: i.message }));
  const first = issues[0];
  if (first || !r.success) {
    throw new SealroomError("validation_failed", `The time entry is invalid: ${first ? `${first.path}: ${first.message}` : "invalid"}.`, { issues });
  }
  const { projectId, start, end, reason } = r.data;
  return { projectId, start, end, ms: end - start, reason };
}
