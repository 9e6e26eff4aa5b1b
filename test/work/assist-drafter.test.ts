/**
 * The background drafter (launcher/assist-drafter.ts) against a real gateway
 * process and a mock model: projects with auto assist get every non-gold
 * item drafted in batches, as Sealroom's own audited action; projects with
 * `auto: false`, paused projects and projects without assist get nothing;
 * a project whose key the gateway refuses is left alone instead of retried
 * on every pass; stop() waits for a pass in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAssistDrafter } from "../../src/launcher/assist-drafter.js";
import { TERMINAL, type Services } from "../../src/services/context.js";
import { addDeployment } from "../../src/services/gateway-deployments.js";
import { pauseProject } from "../../src/services/work-pause.js";
import { claimOfRequest, replyFromGold, SAMPLES, startAssistGateway, type AssistGateway } from "../support/assist.js";
import type { MockUpstream } from "../support/mock-upstream.js";
import { eventually } from "../support/wait.js";
import { seedWork, type WorkWorld } from "../support/work.js";

const byClaim = new Map(SAMPLES.map((i) => [i["claim"].text as string, i]));

let gw: AssistGateway;
let s: Services;
let up: MockUpstream;

beforeAll(async () => {
  gw = await startAssistGateway((body) => {
    const item = byClaim.get(claimOfRequest(body));
    return item ? JSON.stringify(replyFromGold(item)) : "{}";
  });
  ({ s, up } = gw);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

/** A claim-verification project over samples `from..from+n-1`; assist on (its alias deployed unless `deploy` is false). */
async function project(from: number, n: number, assist: Record<string, unknown> | null, deploy = true): Promise<WorkWorld> {
  const items = Array.from({ length: n }, (_, k) => SAMPLES[from + k]!).map((p) => ({ externalId: p["item_id"] as string, payload: p, isGold: false }));
  const w = await seedWork(s, { template: "claim-verification", config: { review: { mode: "none" }, gold: { ratio: 0, onboarding: 0 }, assist }, items, contractors: 1 });
  if (deploy) await addDeployment(s, w.tenantId, "terminal", { alias: "gpt-assist", provider: "openai", baseUrl: `${up.url}/v1`, model: "gpt-upstream", apiKey: Buffer.from("sk-drafter-provider-key"), inputPerMTok: 1, outputPerMTok: 2 }, TERMINAL);
  return w;
}

const drafts = async (w: WorkWorld) => (await s.store.db.selectFrom("item_assists").select("status").where("tenant_id", "=", w.tenantId).execute()).map((r) => r.status);
const runs = (w: WorkWorld) => s.store.db.selectFrom("audit_entries").select(["actor_type", "actor_id", "detail"]).where("tenant_id", "=", w.tenantId).where("action", "=", "assist.run").orderBy("seq").execute();

describe("background assist drafting", () => {
  it("drafts every item of auto projects in batches, as Sealroom, and leaves manual, paused and assist-less projects alone", async () => {
    const auto = await project(0, 5, { model: "gpt-assist" });
    const manual = await project(5, 2, { model: "gpt-assist", auto: false });
    const paused = await project(7, 2, { model: "gpt-assist" });
    await pauseProject(s, (await paused.ctx()).project, "incident review", TERMINAL);
    const none = await project(9, 2, null);
    const drafter = startAssistDrafter(s, { intervalMs: 200, batch: 2, busyMs: 20 });
    try {
      expect(await eventually(async () => {
        const d = await drafts(auto);
        if (d.length < 5) throw new Error(`${d.length} drafted so far`);
        return d;
      }, 20_000)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    } finally {
      await drafter.stop();
    }
    // Batches of two: three runs, each audited as Sealroom's own action.
    const auditRuns = await runs(auto);
    expect(auditRuns.map((r) => [r.actor_type, r.actor_id])).toEqual([["system", "sealroom"], ["system", "sealroom"], ["system", "sealroom"]]);
    expect(auditRuns.map((r) => JSON.parse(r.detail ?? "{}").attempted)).toEqual([2, 2, 1]);
    for (const w of [manual, paused, none]) {
      expect(await drafts(w)).toEqual([]);
      expect(await runs(w)).toEqual([]);
    }
  }, 30_000);

  it("rests a project whose key the gateway refuses instead of asking again on every pass", async () => {
    // No deployment for the alias: the gateway refuses the project's key for that model.
    const w = await project(11, 2, { model: "gpt-assist" }, false);
    const before = up.requests.length;
    const drafter = startAssistDrafter(s, { intervalMs: 100, batch: 2, busyMs: 10 });
    try {
      await eventually(async () => {
        if ((await runs(w)).length === 0) throw new Error("no run yet");
      }, 10_000);
      // Ten intervals of rest: a second second of passes adds no run for this project.
      await new Promise((r) => setTimeout(r, 600));
    } finally {
      await drafter.stop();
    }
    const r = await runs(w);
    expect(r).toHaveLength(1);
    // Calls already in flight when the refusal came back finish (up to four at once); none reached the model.
    const detail = JSON.parse(r[0]!.detail ?? "{}") as { attempted: number; ok: number; failed: number; stoppedBy: string };
    expect(detail.ok).toBe(0);
    expect(detail.failed).toBe(detail.attempted);
    expect(detail.stoppedBy).toMatch(/^gateway 4\d\d/);
    expect(up.requests.length).toBe(before);
    expect(new Set(await drafts(w))).toEqual(new Set(["failed"]));
  }, 30_000);

  it("is off at interval 0, and stop() is safe to call when nothing runs", async () => {
    const w = await project(13, 1, { model: "gpt-assist" });
    const off = startAssistDrafter(s, { intervalMs: 0 });
    // A running drafter drafts a project this size well within this wait (the first test: five items in under 0.5 s).
    await new Promise((r) => setTimeout(r, 1000));
    await off.stop();
    expect(await drafts(w)).toEqual([]);
  });
});
