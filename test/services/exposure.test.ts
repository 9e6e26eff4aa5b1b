/**
 * Exposure reports equal what was done: a seeded history of reads (through
 * the real audit log, with distinctive ids), exports, gateway calls and
 * membership changes, before, inside and after a window, on both dialects.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXPORT_DOWNLOAD, GATEWAY_CALL, ITEM_READ } from "../../src/audit/actions.js";
import type { AuditEvent } from "../../src/audit/entry.js";
import { isSealroomError } from "../../src/domain/errors.js";
import { createApiToken } from "../../src/services/api-tokens.js";
import { TERMINAL, type Caller } from "../../src/services/context.js";
import { actorExposure, LEASES_NOTE } from "../../src/services/exposure.js";
import { tenantExposure } from "../../src/services/exposure-tenant.js";
import { acceptInvitation, createInvitation } from "../../src/services/invitations.js";
import { createProject } from "../../src/services/projects.js";
import { changeMemberRole, removeMember } from "../../src/services/tenants.js";
import { readAuditEntries } from "../../src/store/repos/audit.js";
import { upsertMembership } from "../../src/store/repos/tenants.js";
import { makeServices, type TestContext } from "../support/services.js";
import { PASSWORD, seedWorld, type World } from "../support/world.js";

const MIN = 60_000;
let t: TestContext;
let w: World;
let projectA2: string;
let tokenId: string;
let window: { from: number; to: number };
/** seqs of the in-window data reads, by who did them */
const seqs: Record<string, number[]> = {};
const GATEWAY_KEY = "gwk-0f3a-distinctive";
let newcomer: string;

async function size(): Promise<number> {
  return (await t.s.store.db.selectFrom("audit_state").select("size").executeTakeFirstOrThrow()).size;
}

/** Records one event through the real log; returns its seq. */
async function rec(e: Partial<AuditEvent> & Pick<AuditEvent, "actorType" | "actorId" | "action">, tenantId = w.a.id): Promise<number> {
  await t.s.store.transaction((tx) => t.s.audit.record(tx, { tenantId, objectType: null, objectId: null, outcome: "success", requestId: null, ip: null, ...e }));
  t.advance(MIN);
  return size();
}

const read = (actorType: AuditEvent["actorType"], actorId: string, item: string, projectId: string): Partial<AuditEvent> & Pick<AuditEvent, "actorType" | "actorId" | "action"> => ({
  actorType,
  actorId,
  action: ITEM_READ,
  objectType: "item",
  objectId: item,
  detail: { projectId },
});

beforeEach(async () => {
  t = await makeServices();
  w = await seedWorld(t.s);
  projectA2 = (await t.s.store.transaction((tx) => createProject(t.s, tx, w.a.id, { slug: "proj-a2", name: "Project A2", template: "sft-writing" }, TERMINAL))).id;
  tokenId = (await createApiToken(t.s, w.a.id, w.userId("a", "lab_admin"), { name: "labeler-bot", role: "contractor", expiresInDays: 30 }, TERMINAL)).row.id;
  const invite = await createInvitation(t.s, "terminal", w.a.id, { email: "late@test.dev", role: "contractor" }, TERMINAL);
  const contractor = w.userId("a", "contractor");
  for (const k of Object.keys(seqs)) delete seqs[k];
  const add = (who: string, seq: number) => (seqs[who] ??= []).push(seq);

  await rec(read("user", contractor, "item-before-window", w.projectA)); // outside, before
  t.advance(60 * MIN);
  window = { from: t.s.now(), to: 0 };
  for (const item of ["item-x1", "item-x1", "item-x2", "item-x1"]) add("contractor", await rec(read("user", contractor, item, w.projectA)));
  add("contractor", await rec(read("user", contractor, "item-y1", projectA2)));
  add("contractor", await rec({ actorType: "user", actorId: contractor, action: EXPORT_DOWNLOAD, objectType: "export", objectId: "export-77", detail: { projectId: w.projectA } }));
  await changeMemberRole(t.s, w.a.id, contractor, "reviewer", TERMINAL);
  await removeMember(t.s, w.a.id, w.userId("a", "reviewer"), TERMINAL);
  for (const item of ["item-t1", "item-t1"]) add("token", await rec(read("token", tokenId, item, w.projectA)));
  for (let i = 0; i < 4; i += 1) add("gateway", await rec({ actorType: "gateway_key", actorId: GATEWAY_KEY, action: GATEWAY_CALL, objectType: "model", objectId: "claude-x", detail: { projectId: w.projectA } }));
  await rec(read("user", w.userId("b", "contractor"), "item-b1", w.projectB), w.b.id); // another tenant
  await rec({ actorType: "user", actorId: contractor, action: "auth.login", objectType: "session", objectId: "s1" }); // not a data read
  window.to = t.s.now();
  t.advance(60 * MIN);
  await rec(read("user", contractor, "item-after-window", w.projectA)); // outside, after
  const caller: Caller = { actorType: "anonymous", actorId: null, requestId: null, ip: null };
  newcomer = (await acceptInvitation(t.s, { token: invite.token, password: PASSWORD }, undefined, caller)).userId;
});
afterEach(async () => t.close());

describe("exposure of one actor", () => {
  it("an unknown id is not_found; in a tenant's scope, so is a stranger to that tenant", async () => {
    const nf = async (p: Promise<unknown>) => expect(isSealroomError(await p.catch((e: unknown) => e), "not_found")).toBe(true);
    await nf(actorExposure(t.s, { actor: "no-such-id", ...window }, TERMINAL));
    await nf(actorExposure(t.s, { actor: "nobody@test.dev", ...window }, TERMINAL));
    await nf(actorExposure(t.s, { actor: w.userId("b", "contractor"), tenantId: w.a.id, ...window }, TERMINAL));
    await nf(actorExposure(t.s, { actor: "no-such-id", tenantId: w.a.id, ...window }, TERMINAL));
  });

  it("a user: roles held during the window (before and after a change), projects, no leases, and exactly the reads inside it", async () => {
    const r = await actorExposure(t.s, { actor: w.email("a", "contractor"), ...window }, TERMINAL);
    expect(r.actor).toMatchObject({ type: "user", id: w.userId("a", "contractor"), email: w.email("a", "contractor") });
    expect(r.couldReach.tenants).toEqual([{ tenantId: w.a.id, slug: "lab-a", name: "Lab A", roles: ["contractor", "reviewer"], projects: expect.any(Array) }]);
    expect(r.couldReach.tenants[0]!.projects.map((p) => p.slug).sort()).toEqual(["proj-a", "proj-a2"]);
    expect(r.couldReach.leasedItems).toEqual([]);
    expect(r.couldReach.notes).toContain(LEASES_NOTE);
    const items = Object.fromEntries(r.didRead.items.map((g) => [g.projectId, g]));
    expect(items[w.projectA]).toMatchObject({ tenantId: w.a.id, count: 4, distinctObjects: 2, objects: [{ id: "item-x1", count: 3 }, { id: "item-x2", count: 1 }] });
    expect(items[projectA2]).toMatchObject({ count: 1, objects: [{ id: "item-y1", count: 1 }] });
    expect(r.didRead.exports).toEqual([expect.objectContaining({ projectId: w.projectA, count: 1, objects: [{ id: "export-77", count: 1 }] })]);
    expect(r.didRead.gatewayCalls).toEqual([]);
    expect(r.didRead.totals).toEqual({ itemReads: 5, distinctItems: 3, exports: 1, gatewayCalls: 0 });
    const mine = seqs["contractor"]!;
    expect(r.proof).toMatchObject({ readEntries: 6, firstSeq: mine[0], lastSeq: mine.at(-1) });
    expect(r.proof.allEntries).toBe(7); // the sign-in too
    expect(JSON.stringify(r)).not.toMatch(/item-before-window|item-after-window|item-b1/);
  });

  it("a user removed during the window could still reach the tenant; one who joined after it could not", async () => {
    const removed = await actorExposure(t.s, { actor: w.userId("a", "reviewer"), ...window }, TERMINAL);
    expect(removed.couldReach.tenants.map((x) => [x.slug, x.roles])).toEqual([["lab-a", ["reviewer"]]]);
    // Also added to tenant B directly (as the demo seeding does), after the window too.
    await upsertMembership(t.s.store.db, w.b.id, newcomer, "reviewer", t.s.now());
    await rec({ actorType: "system", actorId: "sealroom", action: "member.add", objectType: "user", objectId: newcomer, detail: { role: "reviewer" } }, w.b.id);
    const late = await actorExposure(t.s, { actor: newcomer, ...window }, TERMINAL);
    expect(late.couldReach.tenants).toEqual([]);
    const lateNow = await actorExposure(t.s, { actor: newcomer, from: window.from, to: t.s.now() }, TERMINAL);
    expect(lateNow.couldReach.tenants.map((x) => [x.slug, x.roles]).sort()).toEqual([["lab-a", ["contractor"]], ["lab-b", ["reviewer"]]]);
  });

  it("an API token: its tenant and role, and its reads", async () => {
    const r = await actorExposure(t.s, { actor: tokenId, ...window }, TERMINAL);
    expect(r.actor).toMatchObject({ type: "token", id: tokenId, name: "labeler-bot", role: "contractor", tenantId: w.a.id });
    expect(r.couldReach.tenants.map((x) => [x.slug, x.roles])).toEqual([["lab-a", ["contractor"]]]);
    expect(r.didRead.totals).toEqual({ itemReads: 2, distinctItems: 1, exports: 0, gatewayCalls: 0 });
    expect(r.proof).toMatchObject({ firstSeq: seqs["token"]![0], lastSeq: seqs["token"]![1] });
    const creator = await actorExposure(t.s, { actor: w.userId("a", "lab_admin"), ...window }, TERMINAL);
    expect(creator.couldReach.apiTokens.map((k) => k.id)).toEqual([tokenId]);
  });

  it("a gateway key, known only from the log: its calls per project, reach unknown and said so", async () => {
    const r = await actorExposure(t.s, { actor: GATEWAY_KEY, ...window }, TERMINAL);
    expect(r.actor).toEqual({ type: "gateway_key", id: GATEWAY_KEY });
    expect(r.couldReach.tenants).toEqual([]);
    expect(r.couldReach.notes.join(" ")).toMatch(/gateway key/);
    expect(r.didRead.gatewayCalls).toEqual([expect.objectContaining({ projectId: w.projectA, count: 4, firstSeq: seqs["gateway"]![0], lastSeq: seqs["gateway"]![3] })]);
  });

  it("producing a report is itself recorded", async () => {
    const before = await size();
    await actorExposure(t.s, { actor: tokenId, tenantId: w.a.id, ...window }, TERMINAL);
    const [e] = await readAuditEntries(t.s.store.db, before + 1, 1);
    expect(e).toMatchObject({ action: "audit.exposure", tenantId: w.a.id, actorType: "system", objectType: "exposure_report" });
    expect(JSON.parse(e!.detail!)).toEqual({ actor: tokenId, from: window.from, to: window.to });
  });
});

describe("exposure of one tenant", () => {
  it("lists every actor who read its data in the window, with counts and seq ranges, and no one else", async () => {
    const r = await tenantExposure(t.s, w.a, window, TERMINAL);
    const by = Object.fromEntries(r.readers.map((x) => [x.actor.id, x]));
    expect(Object.keys(by).sort()).toEqual([GATEWAY_KEY, tokenId, w.userId("a", "contractor")].sort());
    expect(by[w.userId("a", "contractor")]).toMatchObject({ actor: { type: "user", label: w.email("a", "contractor") }, itemReads: 5, distinctItems: 3, exports: 1, gatewayCalls: 0 });
    expect(by[tokenId]).toMatchObject({ actor: { type: "token", label: "labeler-bot" }, itemReads: 2, distinctItems: 1 });
    expect(by[GATEWAY_KEY]).toMatchObject({ actor: { type: "gateway_key", label: null }, gatewayCalls: 4 });
    const all = Object.values(seqs).flat();
    expect(r.proof).toEqual({ readEntries: all.length, firstSeq: Math.min(...all), lastSeq: Math.max(...all) });
    expect(r.readers[0]!.actor.id).toBe(w.userId("a", "contractor")); // most reads first
  });

  it("an empty window has no readers", async () => {
    const r = await tenantExposure(t.s, w.a, { from: window.to + 1, to: window.to + 2 }, TERMINAL);
    expect(r.readers).toEqual([]);
    expect(r.proof).toEqual({ readEntries: 0, firstSeq: null, lastSeq: null });
  });
});
