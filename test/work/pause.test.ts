/**
 * Pause and resume in the middle of work (both dialects): leases freeze with
 * the time they had left, every kind of work answers 423 with the reason,
 * a submission in flight is kept as a draft, refused attempts are recorded,
 * and resume restores the queue exactly.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import { TERMINAL } from "../../src/services/context.js";
import { getTenant } from "../../src/services/tenants.js";
import { pauseProject, pauseTenant, resumeProject, resumeTenant } from "../../src/services/work-pause.js";
import { claimNext, heartbeat, saveDraft, viewTask } from "../../src/services/work-queue.js";
import { submitTask } from "../../src/services/work-submit.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItems, seedWork, type WorkWorld } from "../support/work.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

async function refusal(p: Promise<unknown>): Promise<SealroomError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof SealroomError)) throw new Error(`expected a SealroomError, got ${String(e)}`);
  return e;
}

async function snapshot(w: WorkWorld) {
  const items = await t.s.store.db.selectFrom("items").select(["id", "assigned", "queue_open", "submitted"]).where("tenant_id", "=", w.tenantId).orderBy("id").execute();
  const leases = await t.s.store.db.selectFrom("assignments").select(["id", "item_id", "user_id", "status", "expires_at"]).where("tenant_id", "=", w.tenantId).orderBy("id").execute();
  return { items, leases };
}

describe("pause a project in the middle of work", () => {
  it("refuses work with the reason, keeps the in-flight answer as a draft, and resumes exactly", async () => {
    const w = await seedWork(t.s, { config: { leaseMinutes: 30, review: { mode: "none" } }, items: classItems(3), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const task = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    const other = (await claimNext(t.s, await w.ctx(), c1, w.as(c1))).task!;
    t.advance(10 * 60_000);
    const before = await snapshot(w);
    const { frozenLeases } = await pauseProject(t.s, (await w.ctx()).project, "Lab is re-checking the sources", TERMINAL);
    expect(frozenLeases).toBe(2);

    const claim = await refusal(claimNext(t.s, await w.ctx(), c0, w.as(c0)));
    expect(claim.code).toBe("paused");
    expect(claim.message).toContain("Lab is re-checking the sources");
    expect((await refusal(viewTask(t.s, await w.ctx(), c0, task.assignmentId, w.as(c0)))).code).toBe("paused");
    expect((await refusal(heartbeat(t.s, await w.ctx(), c0, task.assignmentId, w.as(c0)))).code).toBe("paused");
    const submit = await refusal(submitTask(t.s, await w.ctx(), c0, task.assignmentId, { label: "positive" }, w.as(c0)));
    expect(submit.code).toBe("paused");
    expect(submit.details["draftSaved"]).toBe(true);
    // Drafts may still be saved while paused: in-flight work is never lost.
    await saveDraft(t.s, await w.ctx(), c1, other.assignmentId, { label: "neutral" }, w.as(c1));

    // A long pause does not expire anything.
    t.advance(3 * 3600_000);
    const blocked = await t.s.store.db.selectFrom("blocked_attempts").select(["action", "user_id", "reason"]).where("tenant_id", "=", w.tenantId).orderBy("id").execute();
    expect(blocked.map((b) => b.action)).toEqual(["claim", "read", "submit"]);
    expect(blocked.every((b) => b.user_id === c0 && b.reason.includes("re-checking"))).toBe(true);
    const audit = await t.s.store.db.selectFrom("audit_entries").select(["action", "outcome"]).where("action", "=", "work.blocked").execute();
    expect(audit).toHaveLength(3);
    expect(audit.every((a) => a.outcome === "denied")).toBe(true);

    const { thawedLeases } = await resumeProject(t.s, (await w.ctx()).tenant, (await w.ctx()).project, TERMINAL);
    expect(thawedLeases).toBe(2);
    const after = await snapshot(w);
    expect(after.items).toEqual(before.items);
    // Each lease has exactly the 20 minutes it had left when the pause began.
    for (const l of after.leases) {
      const was = before.leases.find((b) => b.id === l.id)!;
      expect(l.status).toBe("leased");
      expect(l.expires_at - t.s.now()).toBe(was.expires_at - (t.s.now() - 3 * 3600_000));
    }
    const again = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    expect(again.assignmentId).toBe(task.assignmentId);
    expect(again.draft).toEqual({ label: "positive" });
    expect((await viewTask(t.s, await w.ctx(), c1, other.assignmentId, w.as(c1))).draft).toEqual({ label: "neutral" });
    const done = await submitTask(t.s, await w.ctx(), c0, task.assignmentId, { label: "positive" }, w.as(c0));
    expect(done.version).toBe(1);
  });

  it("a paused tenant keeps leases frozen even when one of its projects is resumed", async () => {
    const w = await seedWork(t.s, { items: classItems(2), contractors: 1 });
    const c0 = w.contractors[0]!;
    const task = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    await pauseTenant(t.s, await getTenant(t.s, w.tenantId), "Credentials rotated after an incident", TERMINAL);
    await pauseProject(t.s, (await w.ctx()).project, "Project on hold", TERMINAL);
    const tenantFirst = await refusal(claimNext(t.s, await w.ctx(), c0, w.as(c0)));
    expect(tenantFirst.message).toContain("Credentials rotated");
    expect((await resumeProject(t.s, (await w.ctx()).tenant, (await w.ctx()).project, TERMINAL)).thawedLeases).toBe(0);
    expect((await refusal(claimNext(t.s, await w.ctx(), c0, w.as(c0)))).code).toBe("paused");
    expect((await resumeTenant(t.s, await getTenant(t.s, w.tenantId), TERMINAL)).thawedLeases).toBe(1);
    expect((await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!.assignmentId).toBe(task.assignmentId);
  });

  it("refuses to pause without a reason contractors can read, and to resume what is not paused", async () => {
    const w = await seedWork(t.s, { items: classItems(1), contractors: 1 });
    expect((await refusal(pauseProject(t.s, (await w.ctx()).project, " ", TERMINAL))).code).toBe("validation_failed");
    expect((await refusal(resumeProject(t.s, (await w.ctx()).tenant, (await w.ctx()).project, TERMINAL))).code).toBe("conflict");
  });
});
