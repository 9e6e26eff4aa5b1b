/**
 * The work engine's data is sealed at rest like items are (both dialects):
 * drafts, answers, skip reasons, resolutions and guidelines planted with
 * markers leave no trace of them in the stored database, while the same scan
 * does see plaintext that is meant to be there.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TERMINAL } from "../../src/services/context.js";
import { replaceGuidelines } from "../../src/services/project-admin.js";
import { claimNext, saveDraft, skipTask } from "../../src/services/work-queue.js";
import { submitTask } from "../../src/services/work-submit.js";
import { markersAtRest } from "../support/scan.js";
import { makeServices, type TestContext } from "../support/services.js";
import { seedWork } from "../support/work.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

const M = { draft: "DRAFT-MARKER-3c1f", answer: "ANSWER-MARKER-77ab", skip: "SKIP-MARKER-0e9d", guide: "GUIDE-MARKER-51aa", prompt: "PROMPT-MARKER-c0de" };

describe("work data at rest", () => {
  it("holds no marker from drafts, answers, skip reasons, resolutions or guidelines", async () => {
    const items = [0, 1].map((i) => ({ externalId: `sft-${i}`, payload: { id: `sft-${i}`, prompt: `Write about ${M.prompt} ${i}` }, isGold: false }));
    const w = await seedWork(t.s, { template: "sft-writing", config: { review: { mode: "none" }, skipPolicy: "reason_required" }, items, contractors: 2 });
    const [c0, c1] = w.contractors as [string, string];
    await replaceGuidelines(t.s, (await w.ctx()).project, `Guidelines ${M.guide}`, TERMINAL);
    const a = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    await saveDraft(t.s, await w.ctx(), c0, a.assignmentId, { response: `draft ${M.draft}` }, w.as(c0));
    await submitTask(t.s, await w.ctx(), c0, a.assignmentId, { response: `The answer: ${M.answer}` }, w.as(c0));
    const b = (await claimNext(t.s, await w.ctx(), c1, w.as(c1))).task!;
    await skipTask(t.s, await w.ctx(), c1, b.assignmentId, `Cannot do it: ${M.skip}`, w.as(c1));
    const resolutions = await t.s.store.db.selectFrom("resolutions").select("method").where("tenant_id", "=", w.tenantId).execute();
    expect(resolutions.map((r) => r.method)).toEqual(["single"]);
    expect(await markersAtRest(t, Object.values(M))).toEqual([]);
    // The scan sees what is stored in the clear (the project's template name).
    expect(await markersAtRest(t, ["sft-writing"])).toEqual(["sft-writing"]);
  });
});
