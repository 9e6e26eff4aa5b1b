/**
 * Model assist end to end, on both dialects: the real gateway process
 * (started by the launcher, with the permission model) in front of a mock
 * OpenAI upstream whose JSON replies are built from the sample items' gold.
 * Drafts are stored sealed and valid, calls are metered and charged to the
 * project's own key, contractors see a draft only when the project says so
 * and never on gold, invalid replies and failed calls are recorded with
 * paths or error codes (no content), paused or unconfigured projects and a
 * missing gateway are refused, revoked keys are replaced, and the preference
 * export pairs the model's draft with the human final where they differ.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";
import { withConfig } from "../../src/config/config.js";
import { taskTemplate } from "../../src/domain/templates/answers/index.js";
import { claimAnswerFromReply } from "../../src/domain/work/assist-claim.js";
import { assistPrompt } from "../../src/domain/work/assist-prompt.js";
import type { GatewayLink } from "../../src/launcher/gateway-link.js";
import { createApiToken } from "../../src/services/api-tokens.js";
import { TERMINAL, type Services } from "../../src/services/context.js";
import { forgetGatewayPort, recordGatewayPort } from "../../src/services/gateway-address.js";
import { assertGatewayUp, gatewayBaseUrl } from "../../src/services/gateway-client.js";
import { addDeployment } from "../../src/services/gateway-deployments.js";
import { revokeGatewayKey } from "../../src/services/gateway-keys.js";
import { changeProjectConfig } from "../../src/services/project-admin.js";
import { assistStatus, openAssistDraft, runAssist } from "../../src/services/work-assist.js";
import { exportAll, exportPage } from "../../src/services/work-export.js";
import { pauseProject, resumeProject } from "../../src/services/work-pause.js";
import { claimNext, viewTask } from "../../src/services/work-queue.js";
import { submitTask } from "../../src/services/work-submit.js";
import { claimOfRequest, replyFromGold, SAMPLES, startAssistGateway, type AssistGateway } from "../support/assist.js";
import { eventually, freePort } from "../support/wait.js";
import { client } from "../support/http.js";
import type { MockUpstream } from "../support/mock-upstream.js";
import { markersAtRest } from "../support/scan.js";
import type { TestContext } from "../support/services.js";
import { errorCode, seedWork, type WorkWorld } from "../support/work.js";

const ROOT = resolve(import.meta.dirname, "../..");
const PROVIDER_KEY = "sk-PLANTED-assist-provider-7c2d9e41";
const MARKER = "ASSIST-DRAFT-MARKER-5b8e";
const claims = taskTemplate("claim-verification");
const byClaim = new Map(SAMPLES.map((i) => [i["claim"].text as string, i]));
/** How the mock model answers an item, by claim text (default: faithfully, from gold). */
const modes = new Map<string, "bad_quote" | "not_json">();

let t: TestContext;
let s: Services;
let up: MockUpstream;
let link: GatewayLink;
let port: number;

function reply(body: unknown): string {
  const claim = claimOfRequest(body);
  const item = byClaim.get(claim);
  if (!item) return "{}";
  const mode = modes.get(claim);
  if (mode === "not_json") return "I think the claim is true.";
  if (mode === "bad_quote") {
    const sources = (item["sources"] as any[]).map((src) => ({ source_id: src.source_id, stance: "SUPPORTS", evidence: ["a sentence that no source contains"] }));
    return JSON.stringify({ ...replyFromGold(item), sources, justification: "Short." });
  }
  return JSON.stringify(replyFromGold(item, MARKER));
}

let gw: AssistGateway;
beforeAll(async () => {
  // The link writes only when a test says so (see settle()); the CLI test pushes by hand.
  gw = await startAssistGateway(reply);
  ({ t, s, up, link, port } = gw);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

/**
 * Writes the gateway's usage reports received so far. The link never writes
 * on its own here, because on SQLite its write transactions must not overlap
 * (a) this thread's writes of a new tenant's keys on the store's second
 * connection, which would hold that synchronous write in its busy wait, and
 * (b) the CLI process's deferred transactions, which fail with SQLITE_BUSY
 * when another process writes between their read and their write.
 */
async function settle(): Promise<void> {
  const count = async () => Number((await s.store.db.selectFrom("gateway_usage").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  let n = -1;
  for (let m = await count(); m !== n; m = await count()) {
    n = m;
    await new Promise((r) => setTimeout(r, 50));
    await link.flush();
  }
}

/** A claim-verification project over some samples (indexes), with assist on and a deployment for its alias. */
async function project(samples: number[], o: { gold?: number[]; config?: Record<string, unknown> } = {}): Promise<WorkWorld> {
  const items = samples.map((i) => ({ externalId: SAMPLES[i]!["item_id"] as string, payload: SAMPLES[i]!, isGold: o.gold?.includes(i) ?? false }));
  const config = { review: { mode: "none" }, gold: { ratio: 0, onboarding: 0 }, assist: { model: "gpt-assist", showToContractors: true }, ...o.config };
  await settle();
  const w = await seedWork(s, { template: "claim-verification", config, items, contractors: 2 });
  await addDeployment(s, w.tenantId, "terminal", { alias: "gpt-assist", provider: "openai", baseUrl: `${up.url}/v1`, model: "gpt-upstream", apiKey: Buffer.from(PROVIDER_KEY), inputPerMTok: 1000, outputPerMTok: 2000 }, TERMINAL);
  return w;
}

/** The project's assist rows in item order, with the item's gold flag. */
async function assists(w: WorkWorld) {
  return s.store.db
    .selectFrom("item_assists as a")
    .innerJoin("items as i", (j) => j.onRef("i.tenant_id", "=", "a.tenant_id").onRef("i.id", "=", "a.item_id"))
    .selectAll("a")
    .select(["i.seq", "i.is_gold"])
    .where("a.tenant_id", "=", w.tenantId)
    .orderBy("i.seq")
    .execute();
}

const assistKey = (w: WorkWorld) => s.store.db.selectFrom("project_assist_keys").selectAll().where("tenant_id", "=", w.tenantId).executeTakeFirstOrThrow();
const itemIds = async (w: WorkWorld) => (await s.store.db.selectFrom("items").select(["id", "is_gold"]).where("tenant_id", "=", w.tenantId).orderBy("seq").execute()).map((r) => r.id);
const answerFor = (i: number) => claimAnswerFromReply(SAMPLES[i]!, replyFromGold(SAMPLES[i]!)).answer;

describe("model assist runs", () => {
  it("drafts every non-gold item through the gateway, sealed and valid, with the calls charged to the project", async () => {
    const w = await project([0, 7, 14, 29], { gold: [29] });
    const before = up.requests.length;
    const r = await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) });
    expect(r).toEqual({ model: "gpt-assist", attempted: 3, ok: 3, invalid: 0, failed: 0, stoppedBy: null, more: false });
    const rows = await assists(w);
    expect(rows.map((a) => [a.status, a.is_gold, a.error])).toEqual([["ok", 0, null], ["ok", 0, null], ["ok", 0, null]]);
    for (const [k, a] of rows.entries()) {
      const sample = SAMPLES[[0, 7, 14][k]!]!;
      const draft = (await openAssistDraft(s, a)) as Record<string, unknown>;
      expect(claims.checkAnswer(sample, draft).ok).toBe(true);
      expect(draft["verdict"]).toBe(sample["gold"].verdict);
      expect(String(draft["justification"])).toContain(MARKER);
      expect([a.model, Number(a.prompt_tokens), Number(a.completion_tokens), typeof a.request_id]).toEqual(["gpt-assist", 120, 40, "string"]);
    }
    // The upstream got JSON mode, the deployment's model and the provider key (the core never sees it in the clear).
    const calls = up.requests.slice(before);
    expect(calls).toHaveLength(3);
    for (const c of calls) expect([c.headers.authorization, c.body.model, c.body.response_format]).toEqual([`Bearer ${PROVIDER_KEY}`, "gpt-upstream", { type: "json_object" }]);
    expect(JSON.stringify(calls.map((c) => c.body))).not.toContain("derivation");

    // Sealed at rest: the drafts' text, and the project's key secret.
    const key = await assistKey(w);
    const secret = await s.sealer.openText({ tenantId: w.tenantId, table: "project_assist_keys", rowId: key.id, field: "secret" }, key.secret);
    expect(secret).toMatch(/^sk-sr-/);
    expect(await markersAtRest(t, [MARKER, secret])).toEqual([]);
    expect(t.logLines.filter((l) => l.includes(secret) || l.includes(MARKER))).toEqual([]);
    const gk = await s.store.db.selectFrom("gateway_keys").selectAll().where("id", "=", key.key_id).executeTakeFirstOrThrow();
    expect([gk.project_id, gk.name, JSON.parse(gk.models)]).toEqual([w.projectId, "model assist", ["gpt-assist"]]);

    // Charged to the project: every call's usage row names the project and its assist key.
    const usage = await eventually(async () => {
      await link.flush();
      const u = await s.store.db.selectFrom("gateway_usage").selectAll().where("tenant_id", "=", w.tenantId).execute();
      if (u.length < 3) throw new Error("usage not recorded yet");
      return u;
    });
    expect(usage.map((u) => [u.project_id, u.key_id, u.status])).toEqual(Array(3).fill([w.projectId, key.key_id, 200]));
    expect(new Set(usage.map((u) => u.request_id))).toEqual(new Set(rows.map((a) => a.request_id)));
    const status = await assistStatus(s, await w.ctx());
    expect(status.drafts).toEqual({ ok: 3, invalid: 0, failed: 0 });
    expect(status.usage.calls).toBe(3);
    expect(status.usage.costUsd).toBeCloseTo(0.6, 6);

    // Audited: each item read before its draft, each draft, the run; no secret or content in the log.
    const audit = await s.store.db.selectFrom("audit_entries").selectAll().where("tenant_id", "=", w.tenantId).orderBy("seq").execute();
    const ids = (await itemIds(w)).slice(0, 3);
    const of = (action: string) => audit.filter((e) => e.action === action);
    expect(of("assist.draft").map((e) => e.object_id).sort()).toEqual([...ids].sort());
    expect(of("item.read").map((e) => e.object_id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(of("item.read").find((e) => e.object_id === id)!.seq).toBeLessThan(of("assist.draft").find((e) => e.object_id === id)!.seq);
    expect(of("assist.run")).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(JSON.stringify(audit)).not.toContain(MARKER);

    // A second run finds nothing left and reuses the key.
    const again = await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) });
    expect([again.attempted, again.more]).toEqual([0, false]);
    expect(await s.store.db.selectFrom("gateway_keys").select("id").where("tenant_id", "=", w.tenantId).execute()).toEqual([{ id: key.key_id }]);
    expect(up.requests.length - before).toBe(3);
  });

  it("records an invalid reply as invalid with issue paths (no content), and does not retry it", async () => {
    const w = await project([3, 9]);
    modes.set(SAMPLES[3]!["claim"].text, "bad_quote");
    modes.set(SAMPLES[9]!["claim"].text, "not_json");
    const r = await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) });
    expect([r.ok, r.invalid, r.failed]).toEqual([0, 2, 0]);
    const [a, b] = await assists(w);
    expect(a!.status).toBe("invalid");
    expect(a!.error).toContain("source_assessments.0.evidence_spans.0.exact: is not an exact quote of the source's text");
    expect(a!.error).toContain("justification");
    expect((await openAssistDraft(s, a!)) as Record<string, unknown>).toHaveProperty("source_assessments");
    expect(b!.error).toBe("(reply): the model's reply is not a JSON object");
    expect(await openAssistDraft(s, b!)).toEqual({ reply: "I think the claim is true." });
    for (const row of [a!, b!]) {
      for (const i of [3, 9]) expect(row.error).not.toContain(SAMPLES[i]!["claim"].text.slice(0, 20));
      expect(row.error).not.toContain("no source contains");
    }
    // Invalid drafts are never shown to contractors, and not drafted again.
    const c0 = w.contractors[0]!;
    expect((await claimNext(s, await w.ctx(), c0, w.as(c0))).task!.assist).toBeNull();
    expect((await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) })).attempted).toBe(0);
  });

  it("records a failed upstream as failed with the gateway's error code, attributed to the project, and retries it next run", async () => {
    const w = await project([4]);
    up.behave({ failTimes: 3, failStatus: 500 });
    const r = await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) });
    expect([r.ok, r.invalid, r.failed, r.stoppedBy]).toEqual([0, 0, 1, null]);
    const [failed] = await assists(w);
    expect([failed!.status, failed!.error, failed!.draft]).toEqual(["failed", "gateway 502 upstream_error", null]);
    const usage = await eventually(async () => {
      await link.flush();
      const u = await s.store.db.selectFrom("gateway_usage").selectAll().where("request_id", "=", failed!.request_id!).executeTakeFirstOrThrow();
      return u;
    });
    expect([usage.project_id, usage.status]).toEqual([w.projectId, 502]);
    const retry = await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) });
    expect([retry.attempted, retry.ok]).toEqual([1, 1]);
    const [ok] = await assists(w);
    expect([ok!.id, ok!.status, ok!.error]).toEqual([failed!.id, "ok", null]);
  });
});

describe("refusals and keys", () => {
  it("refuses a paused project, a project without assist, a bad limit and a gateway that is not running, before any key or call", async () => {
    const w = await project([5]);
    const before = up.requests.length;
    await pauseProject(s, (await w.ctx()).project, "incident review", TERMINAL);
    expect(await errorCode(runAssist(s, await w.ctx(), { limit: 5, caller: w.as(w.admin) }))).toBe("paused");
    await resumeProject(s, (await w.ctx()).tenant, (await w.ctx()).project, TERMINAL);
    expect(await errorCode(runAssist(s, await w.ctx(), { limit: 0, caller: w.as(w.admin) }))).toBe("bad_request");
    const nowhere: Services = { ...s, config: withConfig(s.config, { gatewayPort: await freePort() }) };
    await expect(runAssist(nowhere, await w.ctx(), { limit: 5, caller: w.as(w.admin) })).rejects.toThrow(/gateway is not running/);
    // On a random port, the gateway is found only through the port `sealroom start` records, and only a trustworthy record.
    const random: Services = { ...s, config: withConfig(s.config, { gatewayPort: 0 }) };
    expect(await errorCode(runAssist(random, await w.ctx(), { limit: 5, caller: w.as(w.admin) }))).toBe("conflict");
    const record = join(s.config.dataDir, "gateway.port");
    writeFileSync(record, "not a port\n", { mode: 0o600 });
    expect(await errorCode(runAssist(random, await w.ctx(), { limit: 5, caller: w.as(w.admin) }))).toBe("config_invalid");
    recordGatewayPort(s.config.dataDir, port);
    chmodSync(record, 0o666);
    expect(await errorCode(runAssist(random, await w.ctx(), { limit: 5, caller: w.as(w.admin) }))).toBe("config_invalid");
    chmodSync(record, 0o600);
    // A trustworthy record: the random-port configuration resolves to the running gateway, which answers.
    expect(gatewayBaseUrl(random.config)).toBe(`http://127.0.0.1:${port}`);
    await assertGatewayUp(gatewayBaseUrl(random.config));
    forgetGatewayPort(s.config.dataDir, port);
    expect(existsSync(record)).toBe(false);
    const off = await project([6], { config: { assist: null } });
    await expect(runAssist(s, await off.ctx(), { limit: 5, caller: off.as(off.admin) })).rejects.toThrow(/no model assist/);
    expect(up.requests.length).toBe(before);
    for (const tenantId of [w.tenantId, off.tenantId]) {
      expect(await s.store.db.selectFrom("gateway_keys").select("id").where("tenant_id", "=", tenantId).execute()).toEqual([]);
      expect(await s.store.db.selectFrom("item_assists").select("id").where("tenant_id", "=", tenantId).execute()).toEqual([]);
    }
    expect((await runAssist(s, await w.ctx(), { limit: 5, caller: w.as(w.admin) })).ok).toBe(1);
  });

  it("replaces a revoked key, and a key for an alias the project no longer uses; stops when the gateway refuses the project", async () => {
    const w = await project([10, 11, 12]);
    expect((await runAssist(s, await w.ctx(), { limit: 1, caller: w.as(w.admin) })).more).toBe(true);
    const k1 = await assistKey(w);
    await revokeGatewayKey(s, w.tenantId, k1.key_id, TERMINAL);
    expect((await runAssist(s, await w.ctx(), { limit: 1, caller: w.as(w.admin) })).ok).toBe(1);
    const k2 = await assistKey(w);
    expect([k2.id, k2.key_id === k1.key_id]).toEqual([k1.id, false]);
    // A new alias with no deployment: a new key for it; the gateway answers 404 and the run stops.
    await changeProjectConfig(s, (await w.ctx()).project, { assist: { model: "gpt-elsewhere", showToContractors: false } }, TERMINAL);
    const r = await runAssist(s, await w.ctx(), { limit: 5, caller: w.as(w.admin) });
    expect([r.attempted, r.failed, r.stoppedBy, r.more]).toEqual([1, 1, "gateway 404 model_not_found", true]);
    const k3 = await assistKey(w);
    expect([k3.model, k3.key_id === k2.key_id]).toEqual(["gpt-elsewhere", false]);
    const revoked = await s.store.db.selectFrom("gateway_keys").select(["id", "revoked_at"]).where("tenant_id", "=", w.tenantId).orderBy("id").execute();
    expect(revoked.map((k) => k.revoked_at !== null)).toEqual([true, true, false]);
  });
});

describe("contractors and the preference export", () => {
  it("shows contractors an ok draft only when the project says so, and never on a gold item", async () => {
    const w = await project([1, 8, 15, 2], { gold: [2], config: { gold: { ratio: 0, onboarding: 1 } } });
    expect((await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) })).ok).toBe(3);
    // A valid draft on the gold item too (as an older run might have left), to show it is withheld, not merely absent.
    const goldId = (await s.store.db.selectFrom("items").select("id").where("tenant_id", "=", w.tenantId).where("is_gold", "=", 1).executeTakeFirstOrThrow()).id;
    await s.keyring.current(w.tenantId);
    const id = "00000000-0000-7000-8000-0000000000a1";
    const draft = await s.sealer.seal({ tenantId: w.tenantId, table: "item_assists", rowId: id, field: "draft" }, JSON.stringify(answerFor(2)));
    await s.store.db.insertInto("item_assists").values({ tenant_id: w.tenantId, id, project_id: w.projectId, item_id: goldId, model: "gpt-assist", status: "ok", draft, error: null, request_id: null, prompt_tokens: null, completion_tokens: null, created_at: 1, updated_at: 1 }).execute();
    const [c0, c1] = w.contractors as [string, string];

    const gold = (await claimNext(s, await w.ctx(), c0, w.as(c0))).task!;
    expect((gold.item["claim"] as { text: string }).text).toBe(SAMPLES[2]!["claim"].text);
    expect(gold.assist).toBeNull();
    expect((await viewTask(s, await w.ctx(), c0, gold.assignmentId, w.as(c0))).assist).toBeNull();
    await submitTask(s, await w.ctx(), c0, gold.assignmentId, answerFor(2), w.as(c0));

    const task = (await claimNext(s, await w.ctx(), c0, w.as(c0))).task!;
    const [row] = await assists(w);
    expect((task.item["claim"] as { text: string }).text).toBe(SAMPLES[1]!["claim"].text);
    expect(task.assist).toEqual(await openAssistDraft(s, row!));
    expect(task.draft).toBeNull();

    await changeProjectConfig(s, (await w.ctx()).project, { assist: { model: "gpt-assist", showToContractors: false } }, TERMINAL);
    expect((await viewTask(s, await w.ctx(), c0, task.assignmentId, w.as(c0))).assist).toBeNull();
    const g1 = (await claimNext(s, await w.ctx(), c1, w.as(c1))).task!;
    await submitTask(s, await w.ctx(), c1, g1.assignmentId, answerFor(2), w.as(c1));
    const t1 = (await claimNext(s, await w.ctx(), c1, w.as(c1))).task!;
    expect(t1.assist).toBeNull();
    await changeProjectConfig(s, (await w.ctx()).project, { assist: { model: "gpt-assist", showToContractors: true } }, TERMINAL);
    expect(((await viewTask(s, await w.ctx(), c1, t1.assignmentId, w.as(c1))).assist as { verdict: string }).verdict).toBe(SAMPLES[8]!["gold"].verdict);
  });

  it("pairs the model's draft with the human final where they differ (service, HTTP, CLI); assist routes over HTTP", async () => {
    const w = await project([16, 17, 18]);
    expect((await runAssist(s, await w.ctx(), { limit: 10, caller: w.as(w.admin) })).ok).toBe(3);
    const c0 = w.contractors[0]!;
    const kept = (await claimNext(s, await w.ctx(), c0, w.as(c0))).task!;
    await submitTask(s, await w.ctx(), c0, kept.assignmentId, kept.assist, w.as(c0));
    const changed = (await claimNext(s, await w.ctx(), c0, w.as(c0))).task!;
    const draft = changed.assist as Record<string, unknown>;
    const final = { ...draft, confidence: 2, justification: `${String(draft["justification"])} A person re-read the passages.` };
    await submitTask(s, await w.ctx(), c0, changed.assignmentId, final, w.as(c0));

    const page = await exportPage(s, await w.ctx(), w.admin, "", 100, w.as(w.admin), "preference");
    expect(page.records).toHaveLength(1);
    const rec = page.records[0]!;
    expect(Object.keys(rec).sort()).toEqual(["chosen", "chosen_by", "item_id", "model", "prompt", "rejected"]);
    expect([rec["item_id"], rec["chosen_by"], rec["model"]]).toEqual([SAMPLES[17]!["item_id"], "UNANIMOUS", "gpt-assist"]);
    expect(rec["prompt"]).toEqual(assistPrompt(claims, SAMPLES[17]!));
    expect(rec["rejected"]).toEqual(draft);
    expect((rec["chosen"] as Record<string, unknown>)["confidence"]).toBe(2);
    // The default export is unchanged: one verification-resolution per resolved item.
    const records = (await exportPage(s, await w.ctx(), w.admin, "", 100, w.as(w.admin))).records;
    expect(records.map((r) => r["schema"])).toEqual(["verification-resolution/v0.1", "verification-resolution/v0.1"]);
    const lines: string[] = [];
    expect((await exportAll(s, await w.ctx(), null, async (l) => void lines.push(l), TERMINAL, "preference")).count).toBe(1);
    expect(JSON.parse(lines[0]!).item_id).toBe(SAMPLES[17]!["item_id"]);
    const downloads = await s.store.db.selectFrom("audit_entries").select("detail").where("tenant_id", "=", w.tenantId).where("action", "=", "export.download").orderBy("seq").execute();
    expect(downloads.map((d) => JSON.parse(d.detail!).format ?? "records")).toEqual(["preference", "records", "preference"]);

    // Over HTTP, as a lab admin's API token.
    const api = client(s);
    api.bearer = (await createApiToken(s, w.tenantId, w.admin, { name: "assist", role: "lab_admin", expiresInDays: 1 }, TERMINAL)).token;
    const base = `/api/tenants/${w.tenantId}/projects/p`;
    const exported = await api.get(`${base}/export?format=preference`);
    expect([exported.status, exported.body.records.length]).toEqual([200, 1]);
    expect((await api.get(`${base}/export?format=csv`)).status).toBe(400);
    const st = await api.get(`${base}/assist`);
    expect([st.status, st.body.assist.model, st.body.assist.drafts]).toEqual([200, "gpt-assist", { ok: 3, invalid: 0, failed: 0 }]);
    expect(JSON.stringify(st.body)).not.toMatch(/sk-sr-/);
    expect((await api.post(`${base}/assist/run`, { limit: 0 })).status).toBe(400);
    expect((await api.post(`${base}/assist/run`, { limit: 5, model: "other" })).status).toBe(400);
    const run = await api.post(`${base}/assist/run`, { limit: 5 });
    expect([run.status, run.body.run.attempted]).toEqual([200, 0]);

    // And from the CLI (in this process: the link is idle once settled, so no write of ours is open beside it).
    await settle();
    const io = { stdout: "", stderr: "", isTTY: false, out: (x: string) => void (io.stdout += x), err: (x: string) => void (io.stderr += x) } as CliIo & { stdout: string; stderr: string };
    expect(await runCli(["export", "--tenant", w.tenantId, "--project", "p", "--format", "preference", ...t.cliArgs], io)).toBe(0);
    expect(io.stdout.trim().split("\n").map((l) => JSON.parse(l).item_id)).toEqual([SAMPLES[17]!["item_id"]]);
    expect(io.stderr).toMatch(/Exported 1 record /);
    expect(await runCli(["export", "--tenant", w.tenantId, "--project", "p", "--format", "csv", ...t.cliArgs], io)).toBe(2);
  });

  it("runs from the CLI, another process, against the running gateway (its new key reaches the gateway with the next push)", async () => {
    const w = await project([19, 20]);
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", "assist", "run", "--tenant", w.tenantId, "--project", "p", "--limit", "5", "--json", "--gateway-port", String(port), ...t.cliArgs], {
      cwd: ROOT,
      env: { PATH: process.env["PATH"] ?? "", SEALROOM_LOG_LEVEL: "warn" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", done));
    // What the link's poll does in `sealroom start`: push once the CLI's new key is in the database
    // (a push that loses a write race to the other process is retried, as the poll does).
    let running = true;
    const pushing = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, 50));
        const made = await s.store.db.selectFrom("project_assist_keys").select("id").where("tenant_id", "=", w.tenantId).executeTakeFirst();
        if (made && (await link.push().then(() => true, () => false))) return;
      }
    })();
    const exit = await exited;
    running = false;
    await pushing;
    expect([exit, err]).toEqual([0, ""]);
    expect(JSON.parse(out)).toMatchObject({ model: "gpt-assist", attempted: 2, ok: 2, failed: 0, more: false });
    const key = await assistKey(w);
    const secret = await s.sealer.openText({ tenantId: w.tenantId, table: "project_assist_keys", rowId: key.id, field: "secret" }, key.secret);
    expect(out).not.toContain(secret);
    expect((await s.store.db.selectFrom("audit_entries").select("actor_id").where("tenant_id", "=", w.tenantId).where("action", "=", "assist.run").execute()).map((e) => e.actor_id)).toEqual(["cli"]);
  }, 60_000);
});
