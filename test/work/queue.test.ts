/**
 * The leased queue on both dialects: overlap N distinct contractors per item,
 * oldest first, never the same item twice, expiry returns items, skip policy,
 * 50 concurrent claimers, blind task views, and item reads audited.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import { claimNext, heartbeat, saveDraft, skipTask, viewTask } from "../../src/services/work-queue.js";
import { submitTask } from "../../src/services/work-submit.js";
import { myAnswer } from "../../src/services/work-mine.js";
import { changeProjectConfig } from "../../src/services/project-admin.js";
import { TERMINAL } from "../../src/services/context.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItem, classItems, errorCode, seedWork, type WorkWorld } from "../support/work.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

async function claim(w: WorkWorld, user: string) {
  const r = await claimNext(t.s, await w.ctx(), user, w.as(user));
  return r.task;
}

/** The external id of a task's item (task views carry no ids; the text names it). */
function idOf(task: { item: Record<string, unknown> }): string {
  return /^Text of ([^:]+):/.exec(String(task.item["text"]))![1]!;
}

async function itemOf(w: WorkWorld, assignmentId: string): Promise<string> {
  const a = await t.s.store.db.selectFrom("assignments").select("item_id").where("tenant_id", "=", w.tenantId).where("id", "=", assignmentId).executeTakeFirstOrThrow();
  return a.item_id;
}

describe("claim next", () => {
  it("gives overlap N distinct contractors each item, oldest first, and never the same item twice", async () => {
    const w = await seedWork(t.s, { config: { overlap: 2, review: { mode: "none" } }, items: classItems(2), contractors: 3 });
    const [c0, c1, c2] = w.contractors as [string, string, string];
    const a0 = (await claim(w, c0))!;
    const a1 = (await claim(w, c1))!;
    const a2 = (await claim(w, c2))!;
    expect(idOf(a0)).toBe("it-0");
    expect(idOf(a1)).toBe("it-0");
    expect(idOf(a2)).toBe("it-1");
    // Claiming again while holding a lease returns the same lease.
    expect((await claim(w, c0))!.assignmentId).toBe(a0.assignmentId);
    await submitTask(t.s, await w.ctx(), c0, a0.assignmentId, { label: "positive" }, w.as(c0));
    await submitTask(t.s, await w.ctx(), c1, a1.assignmentId, { label: "positive" }, w.as(c1));
    // it-0 had two agreeing answers: resolved without adjudication.
    const res = await t.s.store.db.selectFrom("resolutions").selectAll().where("tenant_id", "=", w.tenantId).execute();
    expect(res.map((r) => r.method)).toEqual(["unanimous"]);
    // c0 has seen it-0, so gets it-1; c1 then has nothing left (it-1 is full with c2 and c0).
    expect(idOf((await claim(w, c0))!)).toBe("it-1");
    expect(await claim(w, c1)).toBeNull();
  });

  it("returns an expired lease's item to the queue; the lapsed contractor's heartbeat answers lease_expired", async () => {
    const w = await seedWork(t.s, { config: { overlap: 1, leaseMinutes: 5 }, items: classItems(1), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const a0 = (await claim(w, c0))!;
    expect(await claim(w, c1)).toBeNull();
    t.advance(4 * 60_000);
    await heartbeat(t.s, await w.ctx(), c0, a0.assignmentId, w.as(c0)); // extends to now + 5 min
    t.advance(4 * 60_000);
    expect(await claim(w, c1)).toBeNull();
    t.advance(2 * 60_000);
    const a1 = (await claim(w, c1))!;
    expect(idOf(a1)).toBe("it-0");
    expect(await errorCode(heartbeat(t.s, await w.ctx(), c0, a0.assignmentId, w.as(c0)))).toBe("lease_expired");
    // The lapsed contractor's late answer is kept as a draft, not counted beyond N.
    expect(await errorCode(submitTask(t.s, await w.ctx(), c0, a0.assignmentId, { label: "neutral" }, w.as(c0)))).toBe("lease_expired");
    const row = await t.s.store.db.selectFrom("assignments").select(["status", "draft"]).where("tenant_id", "=", w.tenantId).where("id", "=", a0.assignmentId).executeTakeFirstOrThrow();
    expect(row.status).toBe("expired");
    expect(row.draft).not.toBeNull();
    const item = await t.s.store.db.selectFrom("items").select(["assigned"]).where("tenant_id", "=", w.tenantId).executeTakeFirstOrThrow();
    expect(item.assigned).toBe(1);
  });

  it("applies the skip policy and returns skipped items to others", async () => {
    const w = await seedWork(t.s, { config: { skipPolicy: "reason_required" }, items: classItems(1), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const a0 = (await claim(w, c0))!;
    expect(await errorCode(skipTask(t.s, await w.ctx(), c0, a0.assignmentId, "", w.as(c0)))).toBe("validation_failed");
    await skipTask(t.s, await w.ctx(), c0, a0.assignmentId, "Outside my expertise", w.as(c0));
    expect(await claim(w, c0)).toBeNull(); // never the same item twice, even after a skip
    expect(idOf((await claim(w, c1))!)).toBe("it-0");
    await changeProjectConfig(t.s, (await w.ctx()).project, { skipPolicy: "not_allowed" }, TERMINAL);
    const again = (await claim(w, c1))!;
    expect(await errorCode(skipTask(t.s, await w.ctx(), c1, again.assignmentId, "any reason", w.as(c1)))).toBe("forbidden");
  });

  it("shows contractors only their own leased task, without gold, and audits each read", async () => {
    const w = await seedWork(t.s, { items: [{ externalId: "g1", payload: classItem("g1", "positive"), isGold: true }], contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const a0 = (await claim(w, c0))!;
    expect(JSON.stringify(a0.item)).not.toContain("gold");
    expect(a0.item["labels"]).toEqual(["positive", "negative", "neutral"]);
    expect(await errorCode(viewTask(t.s, await w.ctx(), c1, a0.assignmentId, w.as(c1)))).toBe("not_found");
    await viewTask(t.s, await w.ctx(), c0, a0.assignmentId, w.as(c0));
    const reads = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "item.read").execute();
    expect(reads).toHaveLength(2);
    expect(reads.every((r) => r.actor_id === c0 && r.object_type === "item")).toBe(true);
  });

  it("refuses people who are not contractors on the project", async () => {
    const w = await seedWork(t.s, { items: classItems(1), contractors: 1 });
    expect(await errorCode(claimNext(t.s, await w.ctx(), w.reviewers[0]!, w.as(w.reviewers[0]!)))).toBe("forbidden");
  });

  it("checks answers against the item and names the field", async () => {
    const w = await seedWork(t.s, { items: classItems(1), contractors: 1 });
    const c0 = w.contractors[0]!;
    const a0 = (await claim(w, c0))!;
    try {
      await submitTask(t.s, await w.ctx(), c0, a0.assignmentId, { label: "purple" }, w.as(c0));
      expect.unreachable();
    } catch (e) {
      expect((e as SealroomError).code).toBe("validation_failed");
      expect((e as SealroomError).details.issues).toEqual([expect.objectContaining({ path: "label" })]);
    }
    await saveDraft(t.s, await w.ctx(), c0, a0.assignmentId, { label: "neg" }, w.as(c0));
    expect((await viewTask(t.s, await w.ctx(), c0, a0.assignmentId, w.as(c0))).draft).toEqual({ label: "neg" });
    expect(await myAnswer(t.s, await w.ctx(), c0, a0.assignmentId, w.as(c0))).toBeNull();
    const r = await submitTask(t.s, await w.ctx(), c0, a0.assignmentId, { label: "negative" }, w.as(c0));
    expect(r.version).toBe(1);
    // The contractor reads their own past answer (audited); nobody else's.
    expect(await myAnswer(t.s, await w.ctx(), c0, a0.assignmentId, w.as(c0))).toMatchObject({ version: 1, answer: { label: "negative" } });
    expect(await t.s.store.db.selectFrom("audit_entries").select("action").where("action", "=", "answer.read").execute()).toHaveLength(1);
    expect(await errorCode(submitTask(t.s, await w.ctx(), c0, a0.assignmentId, { label: "negative" }, w.as(c0)))).toBe("conflict");
  });
});

describe("50 concurrent claimers", () => {
  it("never lease an item beyond N, never give one contractor an item twice, and lose no lease", async () => {
    const items = 8;
    const overlap = 3;
    const w = await seedWork(t.s, { config: { overlap, abuse: { readsPerMinute: 1000, throttleAfter: 100, suspendAfter: 200 } }, items: classItems(items), contractors: 50 });
    const ctx = await w.ctx();
    const results = await Promise.all(w.contractors.map((c) => claimNext(t.s, ctx, c, w.as(c))));
    const got = results.filter((r) => r.task !== null);
    expect(got).toHaveLength(items * overlap);
    const rows = await t.s.store.db.selectFrom("assignments").selectAll().where("tenant_id", "=", w.tenantId).execute();
    expect(rows).toHaveLength(items * overlap);
    const perItem = new Map<string, Set<string>>();
    for (const r of rows) perItem.set(r.item_id, (perItem.get(r.item_id) ?? new Set()).add(r.user_id));
    for (const users of perItem.values()) expect(users.size).toBe(overlap);
    expect(new Set(rows.map((r) => r.user_id)).size).toBe(rows.length);
    // Every lease handed out is a row, and every row was handed out.
    expect(new Set(got.map((r) => r.task!.assignmentId))).toEqual(new Set(rows.map((r) => r.id)));
    const counters = await t.s.store.db.selectFrom("items").select(["assigned", "queue_open"]).where("tenant_id", "=", w.tenantId).execute();
    expect(counters.every((c) => c.assigned === overlap && c.queue_open === 0)).toBe(true);
  });

  it("each contractor holds one lease even when claiming 10 times at once", async () => {
    const w = await seedWork(t.s, { config: { abuse: { readsPerMinute: 1000, throttleAfter: 100, suspendAfter: 200 } }, items: classItems(20), contractors: 1 });
    const c0 = w.contractors[0]!;
    const ctx = await w.ctx();
    const results = await Promise.all(Array.from({ length: 10 }, () => claimNext(t.s, ctx, c0, w.as(c0))));
    expect(new Set(results.map((r) => r.task?.assignmentId)).size).toBe(1);
    expect(await itemOf(w, results[0]!.task!.assignmentId)).toBeTruthy();
  });
});
