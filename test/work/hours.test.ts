/**
 * The hours ledger on both dialects: sessions derived from a real
 * claim/heartbeat/submit sequence (idle gaps left out), manual entries
 * through pending → approved / rejected, negative corrections, append-only
 * rows, self-approval refused, pause (423, recorded for reconciliation),
 * tenant isolation, role limits at HTTP, and a formula-safe CSV export.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TERMINAL } from "../../src/services/context.js";
import { correctEntry, decideEntry, hoursTimesheet, logManualEntry, weekPeriod } from "../../src/services/work-hours.js";
import { pauseProject, resumeProject } from "../../src/services/work-pause.js";
import { claimNext, heartbeat } from "../../src/services/work-queue.js";
import { submitTask } from "../../src/services/work-submit.js";
import { upsertMembership } from "../../src/store/repos/tenants.js";
import { client, type Client } from "../support/http.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItems, errorCode, seedWork, type WorkWorld } from "../support/work.js";
import { PASSWORD } from "../support/world.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

const HOUR = 3_600_000;
const W48 = weekPeriod("2026-W48");
// The test clock starts on Saturday 2026-11-28 12:00 UTC, inside 2026-W48.
const entry = (start: string, end: string, reason = "Calibration call with the lab") => ({ projectId: "p", start, end, reason });

async function signedIn(userId: string, totp = false): Promise<Client> {
  const u = await t.s.store.db.selectFrom("users").select("email").where("id", "=", userId).executeTakeFirstOrThrow();
  const c = client(t.s);
  expect((await c.login(u.email, PASSWORD)).status).toBe(200);
  if (totp) await c.enrolTotp(t.s.now);
  return c;
}

/** Every ledger row as text, to show rows are only ever added. */
async function ledger(): Promise<string[]> {
  const rows = await t.s.store.db.selectFrom("hours_entries").selectAll().orderBy("id").execute();
  const decisions = await t.s.store.db.selectFrom("hours_decisions").selectAll().orderBy("id").execute();
  return [...rows.map((r) => JSON.stringify({ ...r, reason: Buffer.from(r.reason).toString("hex") })), ...decisions.map((d) => JSON.stringify(d))];
}

async function sheet(w: WorkWorld, userId: string | null = null) {
  return hoursTimesheet(t.s, w.tenantId, W48, { userId, project: null });
}

describe("sessions from task events", () => {
  it("counts lease → heartbeats → submit as work and leaves idle gaps out", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "none" } }, items: classItems(4), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const claim = async (u: string) => (await claimNext(t.s, await w.ctx(), u, w.as(u))).task!.assignmentId;
    const submit = async (u: string, a: string) => submitTask(t.s, await w.ctx(), u, a, { label: "positive" }, w.as(u));
    const beat = async (u: string, a: string) => heartbeat(t.s, await w.ctx(), u, a, w.as(u));
    const a0 = await claim(c0); // 0 s
    t.advance(60_000);
    await beat(c0, a0);
    t.advance(60_000);
    await beat(c0, a0);
    t.advance(30_000);
    await submit(c0, a0); // 150 s: one session of 150 s
    t.advance(600_000); // a 10-minute break: not work
    const a1 = await claim(c0); // 750 s
    t.advance(60_000);
    await beat(c0, a1); // 810 s
    t.advance(300_000); // 5 minutes without a signal: idle, the session closed at 810 s (60 s)
    await submit(c0, a1); // 1110 s
    t.advance(60_000);
    const a2 = await claim(c0); // 1170 s
    t.advance(60_000);
    await submit(c0, a2); // 1230 s: a session 1110 → 1230 (120 s)
    const b0 = await claim(c1);
    t.advance(45_000);
    await submit(c1, b0);

    const mine = await sheet(w, c0);
    expect(mine.rows).toEqual([expect.objectContaining({ userId: c0, projectId: w.projectId, week: "2026-W48", autoMs: 330_000, totalApprovedMs: 330_000 })]);
    const all = await sheet(w);
    expect(all.rows.map((r) => [r.userId, r.autoMs])).toEqual([[c0, 330_000], [c1, 45_000]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    expect(all.totals.autoMs).toBe(375_000);
    // Another week holds none of it; an unknown project is not_found, not an empty sheet.
    expect((await hoursTimesheet(t.s, w.tenantId, weekPeriod("2026-W47"), { userId: null, project: null })).rows).toEqual([]);
    expect(await errorCode(hoursTimesheet(t.s, w.tenantId, W48, { userId: null, project: "nope" }))).toBe("not_found");
  });

  it("reads ISO weeks exactly and refuses ones that do not exist", () => {
    expect(W48).toMatchObject({ from: Date.UTC(2026, 10, 23), to: Date.UTC(2026, 10, 30) });
    expect(weekPeriod("2026-W53").from).toBe(Date.UTC(2026, 11, 28)); // 2026 starts on a Thursday: 53 weeks
    expect(weekPeriod("2021-W01").from).toBe(Date.UTC(2021, 0, 4));
    for (const bad of ["2025-W53", "2026-W00", "2026-W54", "2026-48", "1970-W01"]) expect(() => weekPeriod(bad), bad).toThrow(/ISO week/);
  });
});

describe("manual entries, decisions, corrections", () => {
  it("pending → approved counts; rejected does not; a correction can be negative; nothing is ever rewritten", async () => {
    const w = await seedWork(t.s, { contractors: 1 });
    const c0 = w.contractors[0]!;
    const snapshots: string[][] = [await ledger()];
    const grows = async () => {
      const now = await ledger();
      const before = snapshots[snapshots.length - 1]!;
      expect(now.length).toBeGreaterThan(before.length);
      expect(before.filter((row) => !now.includes(row))).toEqual([]); // every earlier row is still there, unchanged
      snapshots.push(now);
    };
    const tenant = (await w.ctx()).tenant;
    const e1 = await logManualEntry(t.s, tenant, c0, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"), w.as(c0));
    await grows();
    const e2 = await logManualEntry(t.s, tenant, c0, entry("2026-11-27T08:00:00Z", "2026-11-27T10:00:00Z", "Reading the new guidelines"), w.as(c0));
    await grows();
    expect(e1.status).toBe("pending");
    expect((await sheet(w)).totals).toMatchObject({ pendingManualMs: 3 * HOUR, approvedManualMs: 0, totalApprovedMs: 0 });
    expect(await errorCode(correctEntry(t.s, w.tenantId, e1.id, { ms: -HOUR, reason: "too early" }, w.admin, TERMINAL))).toBe("conflict"); // decide first

    await decideEntry(t.s, w.tenantId, e1.id, "approved", w.admin, w.as(w.admin));
    await grows();
    await decideEntry(t.s, w.tenantId, e2.id, "rejected", w.admin, w.as(w.admin));
    await grows();
    expect((await sheet(w)).totals).toMatchObject({ approvedManualMs: HOUR, rejectedManualMs: 2 * HOUR, pendingManualMs: 0, totalApprovedMs: HOUR });
    expect(await errorCode(decideEntry(t.s, w.tenantId, e1.id, "rejected", w.admin, w.as(w.admin)))).toBe("conflict");

    const fix = await correctEntry(t.s, w.tenantId, e1.id, { ms: -20 * 60_000, reason: "  Call ended at 08:40  " }, w.admin, w.as(w.admin));
    await grows();
    expect(fix).toMatchObject({ kind: "correction", refId: e1.id, ms: -1_200_000, userId: c0, status: "approved" });
    expect((await sheet(w)).rows[0]).toMatchObject({ correctionsMs: -1_200_000, totalApprovedMs: HOUR - 1_200_000 });
    for (const bad of [{ ms: 0, reason: "zero" }, { ms: 1.5, reason: "fraction" }, { ms: 8 * 24 * HOUR, reason: "too much" }, { ms: 60_000, reason: " " }]) {
      expect(await errorCode(correctEntry(t.s, w.tenantId, e1.id, bad, w.admin, TERMINAL)), JSON.stringify(bad)).toBe("validation_failed");
    }
    expect(await errorCode(decideEntry(t.s, w.tenantId, fix.id, "approved", w.admin, TERMINAL))).toBe("conflict"); // corrections are not decided
    // The reason is sealed at rest under the row's own context.
    const stored = await t.s.store.db.selectFrom("hours_entries").select("reason").where("id", "=", fix.id).executeTakeFirstOrThrow();
    expect(Buffer.from(stored.reason).toString("utf8")).not.toContain("08:40");
    expect(await t.s.sealer.openText({ tenantId: w.tenantId, table: "hours_entries", rowId: fix.id, field: "reason" }, stored.reason)).toBe("Call ended at 08:40");
    expect(await errorCode(t.s.sealer.openText({ tenantId: w.tenantId, table: "hours_entries", rowId: e1.id, field: "reason" }, stored.reason))).toBe("decryption_failed");
  });

  it("a lab admin cannot decide on or correct their own hours; two racing decisions give one", async () => {
    const w = await seedWork(t.s, { contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const tenant = (await w.ctx()).tenant;
    const own = await logManualEntry(t.s, tenant, c0, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"), w.as(c0));
    await upsertMembership(t.s.store.db, w.tenantId, c0, "lab_admin", t.s.now()); // promoted later
    expect(await errorCode(decideEntry(t.s, w.tenantId, own.id, "approved", c0, w.as(c0)))).toBe("forbidden");
    await decideEntry(t.s, w.tenantId, own.id, "approved", w.admin, w.as(w.admin));
    expect(await errorCode(correctEntry(t.s, w.tenantId, own.id, { ms: HOUR, reason: "Give myself an hour" }, c0, w.as(c0)))).toBe("forbidden");

    const other = await logManualEntry(t.s, tenant, c1, entry("2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z"), w.as(c1));
    const race = await Promise.all([decideEntry(t.s, w.tenantId, other.id, "approved", w.admin, TERMINAL), decideEntry(t.s, w.tenantId, other.id, "rejected", "terminal", TERMINAL)].map(errorCode));
    expect(race.sort()).toEqual(["conflict", "ok"]);
    expect(await t.s.store.db.selectFrom("hours_decisions").select("id").where("entry_id", "=", other.id).execute()).toHaveLength(1);
  });

  it("no code path updates or deletes ledger rows", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.includes("migrations")) files.push(p);
      }
    };
    walk(join(import.meta.dirname, "../../src"));
    const offending = files.filter((f) => /(updateTable|deleteFrom)\(\s*["'`]hours_(entries|decisions)/.test(readFileSync(f, "utf8")));
    expect(files.length).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });
});

describe("HTTP", () => {
  const base = (w: WorkWorld) => `/api/tenants/${w.tenantId}/hours`;

  it("contractors log and see only their own hours; lab admins see, open, decide; others are refused", async () => {
    const w = await seedWork(t.s, { contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const k0 = await signedIn(c0);
    const k1 = await signedIn(c1);
    expect((await client(t.s).get(`${base(w)}?week=2026-W48`)).status).toBe(401);
    const bad = await k0.post(`${base(w)}/entries`, entry("2026-11-28T08:00:00Z", "2026-11-29T09:00:00Z"));
    expect([bad.status, bad.body.error.code]).toEqual([400, "validation_failed"]);
    expect((await k0.post(`${base(w)}/entries`, entry("2026-11-28T12:00:00Z", "2026-11-28T13:00:00Z"))).status).toBe(400); // in the future
    expect((await k0.post(`${base(w)}/entries`, { ...entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"), userId: c1 })).status).toBe(400); // no logging for others
    const made = await k0.post(`${base(w)}/entries`, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"));
    expect(made.status).toBe(201);
    expect(made.body.entry).toMatchObject({ status: "pending", ms: HOUR, userId: c0, projectId: w.projectId });
    expect(made.body.entry.reason).toBeUndefined();
    await k1.post(`${base(w)}/entries`, entry("2026-11-28T09:00:00Z", "2026-11-28T09:30:00Z"));

    // A contractor asking for someone else's rows still gets only their own.
    const theirs = await k1.get(`${base(w)}?week=2026-W48&userId=${c0}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.rows.map((r: any) => r.userId)).toEqual([c1]);
    expect(theirs.body.totals.pendingManualMs).toBe(1_800_000);
    for (const path of [`/entries?status=pending`, `/export?week=2026-W48`, `/blocked`]) expect((await k0.get(`${base(w)}${path}`)).status, path).toBe(403);
    const id = made.body.entry.id;
    expect((await k1.post(`${base(w)}/entries/${id}/decision`, { decision: "approved" })).status).toBe(403);
    expect((await k1.post(`${base(w)}/entries/${id}/correction`, { ms: -1, reason: "nope nope" })).status).toBe(403);
    const reviewer = await signedIn(w.reviewers[0]!);
    expect((await reviewer.get(`${base(w)}?week=2026-W48`)).status).toBe(403);
    expect((await reviewer.post(`${base(w)}/entries`, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"))).status).toBe(403);

    const admin = await signedIn(w.admin, true);
    const pending = await admin.get(`${base(w)}/entries?status=pending`);
    expect(pending.body.entries.map((e: any) => [e.userId, e.reason])).toEqual(
      expect.arrayContaining([
        [c0, "Calibration call with the lab"],
        [c1, "Calibration call with the lab"],
      ]),
    );
    const reads = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "hours.read").execute();
    expect(reads).toHaveLength(1);
    expect(reads[0]!.actor_id).toBe(w.admin);
    expect((await admin.post(`${base(w)}/entries/${id}/decision`, { decision: "maybe" })).status).toBe(400);
    const ok = await admin.post(`${base(w)}/entries/${id}/decision`, { decision: "approved" });
    expect([ok.status, ok.body.entry.status, ok.body.entry.decidedBy]).toEqual([200, "approved", w.admin]);
    expect((await admin.post(`${base(w)}/entries/${id}/decision`, { decision: "rejected" })).status).toBe(409);
    const fix = await admin.post(`${base(w)}/entries/${id}/correction`, { ms: -900_000, reason: "Call was 45 minutes" });
    expect([fix.status, fix.body.entry.ms, fix.body.entry.refId]).toEqual([201, -900_000, id]);
    const all = await admin.get(`${base(w)}?week=2026-W48`);
    expect(all.body.rows.map((r: any) => r.userId).sort()).toEqual([c0, c1].sort());
    expect(all.body.rows.find((r: any) => r.userId === c0)).toMatchObject({ approvedManualMs: HOUR, correctionsMs: -900_000, totalApprovedMs: 2_700_000 });
    const detail = await admin.get(`${base(w)}/entries?status=all&week=2026-W48&userId=${c0}`);
    expect(detail.body.entries.map((e: any) => [e.kind, e.status, e.reason])).toEqual([
      ["manual", "approved", "Calibration call with the lab"],
      ["correction", "approved", "Call was 45 minutes"],
    ]);
    const span = await admin.get(`${base(w)}?from=2026-11-28T00:00:00Z&to=2026-11-28T08:30:00Z`);
    expect(span.body.rows.map((r: any) => r.userId)).toEqual([c0]); // c1's entry starts at 09:00
    expect((await admin.get(`${base(w)}?from=2026-10-01&to=2026-11-28`)).status).toBe(400); // longer than 31 days
    expect((await admin.get(`${base(w)}?week=2026-W48&from=2026-11-01`)).status).toBe(400);
    const approvals = await t.s.store.db.selectFrom("audit_entries").select(["action", "object_id"]).where("action", "in", ["hours.log", "hours.approve", "hours.correct"]).execute();
    expect(approvals.map((a) => a.action).sort()).toEqual(["hours.approve", "hours.correct", "hours.log", "hours.log"]);
  });

  it("logging hours while the project is paused answers 423 with the reason and records the attempt", async () => {
    const w = await seedWork(t.s, { contractors: 1 });
    const k0 = await signedIn(w.contractors[0]!);
    await pauseProject(t.s, (await w.ctx()).project, "Client audit in progress", TERMINAL);
    const r = await k0.post(`${base(w)}/entries`, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"));
    expect([r.status, r.body.error.code]).toEqual([423, "paused"]);
    expect(r.body.error.message).toContain("Client audit in progress");
    expect(r.body.error.details.reason).toContain("Client audit in progress");
    expect(await t.s.store.db.selectFrom("hours_entries").select("id").execute()).toEqual([]);
    const attempts = await t.s.store.db.selectFrom("blocked_attempts").selectAll().execute();
    expect(attempts).toMatchObject([{ user_id: w.contractors[0], project_id: w.projectId, action: "hours.log" }]);
    const admin = await signedIn(w.admin, true);
    const listed = await admin.get(`${base(w)}/blocked?week=2026-W48`);
    expect(listed.body.attempts).toMatchObject([{ userId: w.contractors[0], action: "hours.log", reason: expect.stringContaining("Client audit") }]);
    expect((await admin.get(`${base(w)}/blocked?week=2026-W47`)).body.attempts).toEqual([]);
    expect((await admin.get(`${base(w)}/blocked?from=2026-11-29&to=2026-11-28`)).status).toBe(400);
    await resumeProject(t.s, (await w.ctx()).tenant, (await w.ctx()).project, TERMINAL);
    expect((await k0.post(`${base(w)}/entries`, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"))).status).toBe(201);
  });

  it("another tenant's hours and entries do not exist for you", async () => {
    const w = await seedWork(t.s, { contractors: 1 });
    const v = await seedWork(t.s, { contractors: 1 });
    const theirs = await logManualEntry(t.s, (await v.ctx()).tenant, v.contractors[0]!, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"), v.as(v.contractors[0]!));
    const stranger = await signedIn(v.contractors[0]!);
    expect((await stranger.get(`${base(w)}?week=2026-W48`)).status).toBe(404);
    expect((await stranger.post(`${base(w)}/entries`, entry("2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z"))).status).toBe(404);
    const admin = await signedIn(w.admin, true);
    const r = await admin.post(`${base(w)}/entries/${theirs.id}/decision`, { decision: "approved" });
    expect([r.status, r.body.error.code]).toEqual([404, "not_found"]);
    expect((await admin.post(`${base(w)}/entries/${theirs.id}/correction`, { ms: 60_000, reason: "Not mine to fix" })).status).toBe(404);
    expect((await admin.get(`${base(v)}/entries?status=pending`)).status).toBe(404);
    expect(await errorCode(decideEntry(t.s, w.tenantId, theirs.id, "approved", w.admin, TERMINAL))).toBe("not_found");
  });

  it("exports CSV with its header for lab admins and auditors, with hostile ids made inert", async () => {
    const w = await seedWork(t.s, { contractors: 1, reviewers: 1 });
    // Ids reach the CSV as stored; a hostile one must not become a spreadsheet formula.
    const hostile = "=cmd|' /C calc'!A0";
    const now = t.s.now();
    for (const [i, kind, at] of [[1, "lease", now - 60_000], [2, "submit", now]] as const) {
      await t.s.store.db.insertInto("task_events").values({ tenant_id: w.tenantId, id: `ev-${i}`, project_id: "@SUM(1+1),x", user_id: hostile, assignment_id: "a-1", kind, at }).execute();
    }
    await upsertMembership(t.s.store.db, w.tenantId, w.reviewers[0]!, "lab_auditor", now);
    const auditor = await signedIn(w.reviewers[0]!);
    const r = await auditor.get(`${base(w)}/export?week=2026-W48`);
    expect(r.status).toBe(200);
    expect(r.body.filename).toBe(`hours-work-${/work-(\d+)/.exec(r.body.filename)![1]}-2026-W48.csv`);
    const lines: string[] = r.body.csv.split("\r\n");
    expect(lines[0]).toBe("user_id,project_id,week,week_first_day,auto_hours,approved_manual_hours,pending_manual_hours,rejected_manual_hours,corrections_hours,total_approved_hours");
    expect(lines[1]).toBe(`'=cmd|' /C calc'!A0,"'@SUM(1+1),x",2026-W48,2026-11-23,0.02,0.00,0.00,0.00,0.00,0.02`);
    expect(lines.filter((l) => /^[=+\-@]/.test(l))).toEqual([]);
    expect((await auditor.post(`${base(w)}/entries/x/decision`, { decision: "approved" })).status).toBe(403);
    const exports = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "hours.export").execute();
    expect(exports.map((e) => [e.actor_id, e.object_id])).toEqual([[w.reviewers[0], "2026-W48"]]);
    expect((await auditor.get(`${base(w)}/export?week=2026-W99`)).status).toBe(400);
    expect((await auditor.get(`${base(w)}/export?week=2026-W48&extra=1`)).status).toBe(400);
  });
});
