/**
 * `sealroom hours approve|list|export` in-process against this test's
 * database and key file (both dialects): pending entries listed with their
 * reasons (audited), approve and --reject (once, never another tenant's),
 * the week's timesheet, and the CSV to stdout or a 0600 file that is never
 * overwritten.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";
import { logManualEntry, type HoursEntryView } from "../../src/services/work-hours.js";
import { makeServices, type TestContext } from "../support/services.js";
import { seedWork, type WorkWorld } from "../support/work.js";

let t: TestContext;
let w: WorkWorld;
let other: WorkWorld;
let e1: HoursEntryView;
let e2: HoursEntryView;
let foreign: HoursEntryView;
const dir = mkdtempSync(join(tmpdir(), "sealroom-cli-hours-"));
const HOUR = 3_600_000;

async function log(world: WorkWorld, start: string, end: string, reason: string): Promise<HoursEntryView> {
  const c = world.contractors[0]!;
  return logManualEntry(t.s, (await world.ctx()).tenant, c, { projectId: "p", start, end, reason }, world.as(c));
}

beforeAll(async () => {
  t = await makeServices({}, { keyFile: true });
  w = await seedWork(t.s, { contractors: 1, slug: "hours-lab" });
  other = await seedWork(t.s, { contractors: 1, slug: "other-lab" });
  e1 = await log(w, "2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z", "Calibration call");
  e2 = await log(w, "2026-11-27T08:00:00Z", "2026-11-27T10:00:00Z", "=HYPERLINK(\"http://x\")\nforged line");
  foreign = await log(other, "2026-11-28T08:00:00Z", "2026-11-28T09:00:00Z", "Other lab's time");
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  const io: CliIo & { stdout: string; stderr: string } = { stdout: "", stderr: "", isTTY: false, out: (s) => void (io.stdout += s), err: (s) => void (io.stderr += s) };
  const code = await runCli([...argv, ...t.cliArgs], io);
  return { code, out: io.stdout, err: io.stderr };
}

describe("sealroom hours", () => {
  it("lists pending entries with their reasons, audited, and approves or rejects each once", async () => {
    const pending = await run("hours", "list", "--tenant", "hours-lab", "--status", "pending", "--json");
    expect(pending.code, pending.err).toBe(0);
    expect(JSON.parse(pending.out).entries.map((e: any) => [e.id, e.status, e.reason])).toEqual([
      [e1.id, "pending", "Calibration call"],
      [e2.id, "pending", "=HYPERLINK(\"http://x\")\nforged line"],
    ]);
    // The same shape as the API's entries (services/work-hours.ts hoursEntryJson).
    expect(Object.keys(JSON.parse(pending.out).entries[0]).sort()).toEqual(
      ["createdAt", "createdBy", "decidedAt", "decidedBy", "end", "id", "kind", "ms", "projectId", "reason", "refId", "start", "status", "userId"].sort(),
    );
    const text = await run("hours", "list", "--tenant", "hours-lab", "--status", "pending");
    expect(text.out.trimEnd().split("\n")).toHaveLength(2); // the reason's newline stays inside its quotes
    const reads = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "hours.read").execute();
    expect(reads.length).toBe(2);
    expect(reads.every((r) => r.actor_id === "cli")).toBe(true);

    const ok = await run("hours", "approve", "--tenant", "hours-lab", e1.id);
    expect([ok.code, ok.out]).toEqual([0, `Entry ${e1.id} approved: 1.00 h for ${w.contractors[0]} on ${w.projectId}.\n`]);
    const again = await run("hours", "approve", "--tenant", "hours-lab", e1.id, "--reject");
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already approved/);
    const rejected = await run("hours", "approve", "--tenant", "hours-lab", e2.id, "--reject", "--json");
    expect(JSON.parse(rejected.out)).toMatchObject({ id: e2.id, status: "rejected", decidedBy: "terminal" });
    // Another tenant's entry does not exist from here.
    const cross = await run("hours", "approve", "--tenant", "hours-lab", foreign.id);
    expect([cross.code, cross.err]).toEqual([1, expect.stringMatching(/No such hours entry/)]);
    expect((await run("hours", "approve", "--tenant", "hours-lab")).code).toBe(2);
    expect((await run("hours", "approve", "--tenant", "hours-lab", "a", "b")).code).toBe(2);
    expect((await run("hours", "list", "--tenant", "hours-lab", "--status", "pending", "--json")).out).toBe(`{"entries":[],"next":null}\n`);
  });

  it("shows the week's timesheet", async () => {
    const r = await run("hours", "list", "--tenant", "hours-lab", "--week", "2026-W48", "--json");
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.period).toBe("2026-W48");
    expect(body.rows).toEqual([expect.objectContaining({ userId: w.contractors[0], approvedManualMs: HOUR, rejectedManualMs: 2 * HOUR, totalApprovedMs: HOUR })]);
    const text = await run("hours", "list", "--tenant", "hours-lab", "--week", "2026-W48");
    expect(text.out).toContain(`${w.contractors[0]}  ${w.projectId}  2026-W48  0.00  1.00  0.00  2.00  0.00  1.00`);
    expect((await run("hours", "list", "--tenant", "hours-lab", "--week", "2026-W47", "--json")).out).toContain(`"rows":[]`);
    expect((await run("hours", "list", "--tenant", "hours-lab", "--week", "48")).code).toBe(2);
    expect((await run("hours", "list", "--tenant", "hours-lab", "--week", "2025-W53")).err).toMatch(/ISO week/);
  });

  it("exports the week as CSV to stdout or to a new 0600 file", async () => {
    const r = await run("hours", "export", "--tenant", "hours-lab", "--week", "2026-W48");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      "user_id,project_id,week,week_first_day,auto_hours,approved_manual_hours,pending_manual_hours,rejected_manual_hours,corrections_hours,total_approved_hours\r\n" +
        `${w.contractors[0]},${w.projectId},2026-W48,2026-11-23,0.00,1.00,0.00,2.00,0.00,1.00\r\n`,
    );
    const out = join(dir, "w48.csv");
    const f = await run("hours", "export", "--tenant", "hours-lab", "--week", "2026-W48", "--out", out);
    expect([f.code, f.out]).toEqual([0, `Wrote 1 rows to ${out}.\n`]);
    expect(readFileSync(out, "utf8")).toBe(r.out);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const twice = await run("hours", "export", "--tenant", "hours-lab", "--week", "2026-W48", "--out", out);
    expect([twice.code, twice.err]).toEqual([2, expect.stringMatching(/already exists/)]);
    expect((await run("hours", "export", "--tenant", "hours-lab")).code).toBe(2); // --week is required
    const exports = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "hours.export").execute();
    expect(exports.length).toBe(2); // the refused --out made no export
  });
});
