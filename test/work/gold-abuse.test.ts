/**
 * Gold mixing and onboarding, accuracy-based suspension, abuse signals
 * (read rate, leases without submissions), and sealed guidelines — each
 * tried from the side of someone who would like it to fail open.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import { TERMINAL } from "../../src/services/context.js";
import { readGuidelines, reinstateProjectMember, replaceGuidelines } from "../../src/services/project-admin.js";
import { claimNext, skipTask, viewTask } from "../../src/services/work-queue.js";
import { submitTask } from "../../src/services/work-submit.js";
import { DIALECT, makeServices, type TestContext } from "../support/services.js";
import { classItem, classItems, seedWork } from "../support/work.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e instanceof SealroomError ? e.code : Promise.reject(e)),
  );
}

const goldItems = (n: number) => Array.from({ length: n }, (_, i) => ({ externalId: `g-${i}`, payload: classItem(`g-${i}`, "positive"), isGold: true }));

describe("gold", () => {
  it("serves the first K tasks from gold (onboarding), unmarked, and pauses a contractor below the accuracy threshold", async () => {
    const w = await seedWork(t.s, {
      config: { review: { mode: "none" }, gold: { ratio: 0.2, onboarding: 2, accuracyThreshold: 0.6, minAnswered: 2 } },
      items: [...classItems(5), ...goldItems(3)],
      contractors: 2,
    });
    const [c0, c1] = w.contractors as [string, string];
    const views: Record<string, unknown>[] = [];
    for (let i = 0; i < 2; i++) {
      const task = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
      views.push(task.item);
      await submitTask(t.s, await w.ctx(), c0, task.assignmentId, { label: "negative" }, w.as(c0)); // wrong on gold
    }
    const served = await t.s.store.db.selectFrom("assignments").select("is_gold").where("tenant_id", "=", w.tenantId).where("user_id", "=", c0).execute();
    expect(served.map((a) => a.is_gold)).toEqual([1, 1]);
    // Gold and ordinary items look the same to the contractor.
    const plain = (await claimNext(t.s, await w.ctx(), c1, w.as(c1))).task!;
    expect(Object.keys(plain.item).sort()).toEqual(Object.keys(views[0]!).sort());
    expect(JSON.stringify(views)).not.toMatch(/gold/i);

    // Two gold answers, both wrong: accuracy 0 < 0.6 → suspended on the project, the lab admin told.
    const refused = await claimNext(t.s, await w.ctx(), c0, w.as(c0)).catch((e: unknown) => e as SealroomError);
    expect((refused as SealroomError).code).toBe("forbidden");
    expect((refused as SealroomError).message).toMatch(/gold accuracy 0%/);
    const notes = await t.s.store.db.selectFrom("notifications").selectAll().where("tenant_id", "=", w.tenantId).execute();
    expect(notes.map((n) => [n.kind, n.subject_user_id])).toEqual([["member.suspended.gold_accuracy", c0]]);
    await reinstateProjectMember(t.s, (await w.ctx()).project, c0, TERMINAL);
    expect((await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task).not.toBeNull();
  });

  it("cannot be skipped past: skipping the onboarding gold leaves no ordinary work until gold is available", async () => {
    const w = await seedWork(t.s, { config: { skipPolicy: "allowed", gold: { ratio: 0, onboarding: 1, accuracyThreshold: 0.5, minAnswered: 1 } }, items: [...classItems(2), ...goldItems(1)], contractors: 1 });
    const c0 = w.contractors[0]!;
    const first = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    await skipTask(t.s, await w.ctx(), c0, first.assignmentId, undefined, w.as(c0));
    expect(await claimNext(t.s, await w.ctx(), c0, w.as(c0))).toEqual({ task: null, reason: "onboarding_unavailable" });
    const served = await t.s.store.db.selectFrom("assignments").select("is_gold").where("tenant_id", "=", w.tenantId).execute();
    expect(served.map((a) => a.is_gold)).toEqual([1]);
  });

  it("keeps a good contractor working and mixes gold in at the configured ratio", async () => {
    const w = await seedWork(t.s, { config: { review: { mode: "none" }, gold: { ratio: 0.25, onboarding: 1, accuracyThreshold: 0.6, minAnswered: 1 } }, items: [...classItems(12), ...goldItems(4)], contractors: 1 });
    const c0 = w.contractors[0]!;
    for (let i = 0; i < 9; i++) {
      const task = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
      await submitTask(t.s, await w.ctx(), c0, task.assignmentId, { label: "positive" }, w.as(c0));
    }
    const served = await t.s.store.db.selectFrom("assignments").select("is_gold").where("tenant_id", "=", w.tenantId).orderBy("id").execute();
    const gold = served.filter((a) => a.is_gold === 1).length;
    expect(served[0]!.is_gold).toBe(1); // onboarding
    expect(gold).toBe(3); // 1 onboarding + 25% of the 8 after it
    const m = await t.s.store.db.selectFrom("project_members").selectAll().where("tenant_id", "=", w.tenantId).where("user_id", "=", c0).executeTakeFirstOrThrow();
    expect([m.gold_answered, m.gold_correct, m.status]).toEqual([3, 3, "active"]);
  });
});

describe("abuse signals", () => {
  it("limits item reads per minute per contractor", async () => {
    const w = await seedWork(t.s, { config: { abuse: { readsPerMinute: 3, throttleAfter: 10, suspendAfter: 20 } }, items: classItems(2), contractors: 1 });
    const c0 = w.contractors[0]!;
    const task = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    await viewTask(t.s, await w.ctx(), c0, task.assignmentId, w.as(c0));
    await viewTask(t.s, await w.ctx(), c0, task.assignmentId, w.as(c0));
    expect(await code(viewTask(t.s, await w.ctx(), c0, task.assignmentId, w.as(c0)))).toBe("too_many_requests");
    t.advance(60_000);
    expect(await code(viewTask(t.s, await w.ctx(), c0, task.assignmentId, w.as(c0)))).toBe("ok");
  });

  it("throttles, then suspends, a contractor who takes tasks without ever submitting", async () => {
    const w = await seedWork(t.s, { config: { skipPolicy: "allowed", abuse: { readsPerMinute: 1000, throttleAfter: 3, suspendAfter: 6 } }, items: classItems(20), contractors: 1 });
    const c0 = w.contractors[0]!;
    for (let i = 0; i < 3; i++) {
      const task = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
      await skipTask(t.s, await w.ctx(), c0, task.assignmentId, undefined, w.as(c0));
    }
    expect(await code(claimNext(t.s, await w.ctx(), c0, w.as(c0)))).toBe("too_many_requests");
    t.advance(61_000);
    const slow = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!; // one a minute while throttled
    await skipTask(t.s, await w.ctx(), c0, slow.assignmentId, undefined, w.as(c0));
    expect(await code(claimNext(t.s, await w.ctx(), c0, w.as(c0)))).toBe("too_many_requests"); // the 6th: hammering counts
    expect(await code(claimNext(t.s, await w.ctx(), c0, w.as(c0)))).toBe("forbidden");
    const m = await t.s.store.db.selectFrom("project_members").select(["status", "status_reason"]).where("tenant_id", "=", w.tenantId).executeTakeFirstOrThrow();
    expect(m.status).toBe("suspended");
    const audit = await t.s.store.db.selectFrom("audit_entries").select("action").where("action", "=", "project.member.suspend").execute();
    expect(audit).toHaveLength(1);
    const notes = await t.s.store.db.selectFrom("notifications").select("kind").where("tenant_id", "=", w.tenantId).execute();
    expect(notes.map((n) => n.kind)).toEqual(["member.suspended.abuse"]);
  });
});

describe("guidelines", () => {
  it("are sealed at rest, versioned, and every read is audited", async () => {
    const w = await seedWork(t.s, { items: classItems(1), contractors: 1 });
    const marker = "GUIDELINE-MARKER-7f3a9c";
    expect((await replaceGuidelines(t.s, (await w.ctx()).project, `# How to label\n${marker}`, TERMINAL)).version).toBe(1);
    expect((await replaceGuidelines(t.s, (await w.ctx()).project, `# v2\n${marker}`, TERMINAL)).version).toBe(2);
    const g = await readGuidelines(t.s, (await w.ctx()).project, w.as(w.contractors[0]!));
    expect(g).toEqual({ version: 2, markdown: `# v2\n${marker}` });
    const reads = await t.s.store.db.selectFrom("audit_entries").select("action").where("action", "=", "project.guidelines.read").execute();
    expect(reads).toHaveLength(1);
    if (DIALECT === "sqlite") {
      const hits = readdirSync(t.dataDir).filter((f) => f.startsWith("sealroom.db")).filter((f) => readFileSync(join(t.dataDir, f)).includes(marker));
      expect(hits).toEqual([]);
    } else {
      const row = await t.s.store.db.selectFrom("projects").select("guidelines").where("tenant_id", "=", w.tenantId).executeTakeFirstOrThrow();
      expect(Buffer.from(row.guidelines!).includes(marker)).toBe(false);
    }
  });
});
