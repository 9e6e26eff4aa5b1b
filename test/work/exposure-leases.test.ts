/**
 * "What of ours was exposed?" for a contractor: the exposure report lists the
 * items leased to them in the window (what they could open) and, from the
 * audit log, the items they did open — and nothing outside the window.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TERMINAL } from "../../src/services/context.js";
import { actorExposure } from "../../src/services/exposure.js";
import { claimNext, skipTask } from "../../src/services/work-queue.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItems, seedWork } from "../support/work.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

describe("exposure of a contractor", () => {
  it("lists the items leased in the window and the items read, with the audit proof", async () => {
    const w = await seedWork(t.s, { config: { skipPolicy: "allowed" }, items: classItems(3), contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    const start = t.s.now();
    const first = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    await skipTask(t.s, await w.ctx(), c0, first.assignmentId, undefined, w.as(c0));
    t.advance(60_000);
    await claimNext(t.s, await w.ctx(), c0, w.as(c0));
    await claimNext(t.s, await w.ctx(), c1, w.as(c1));
    const rows = await t.s.store.db.selectFrom("assignments").select(["item_id", "user_id"]).where("tenant_id", "=", w.tenantId).execute();
    const mine = rows.filter((r) => r.user_id === c0).map((r) => r.item_id).sort();

    const r = await actorExposure(t.s, { actor: c0, from: start, to: t.s.now() }, TERMINAL);
    expect(r.couldReach.leasedItems).toEqual(mine);
    expect(r.didRead.items.flatMap((g) => g.objects.map((o) => o.id)).sort()).toEqual(mine);
    expect(r.proof.readEntries).toBe(2);
    // Scoped to the tenant, the same; a window after the skip ended holds only the open lease.
    expect((await actorExposure(t.s, { actor: c0, from: start, to: t.s.now(), tenantId: w.tenantId }, TERMINAL)).couldReach.leasedItems).toEqual(mine);
    t.advance(3600_000);
    const later = await actorExposure(t.s, { actor: c0, from: t.s.now() - 1000, to: t.s.now() }, TERMINAL);
    const held = await t.s.store.db.selectFrom("assignments").select("item_id").where("tenant_id", "=", w.tenantId).where("user_id", "=", c0).where("status", "=", "leased").execute();
    expect(later.couldReach.leasedItems).toEqual(held.map((h) => h.item_id));
    expect(later.didRead.items).toEqual([]);
  });
});
