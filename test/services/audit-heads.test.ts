/**
 * Signed heads as a service: one key per installation (private half sealed),
 * no head for an unchanged size, and periodic signing while the server runs:
 * configurable, unref'd, stopped cleanly, and never crashing on a failure.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { isSealroomError } from "../../src/domain/errors.js";
import { startHeadSigner } from "../../src/launcher/head-signer.js";
import { latestHead, listHeads, publicSigningKey, signCurrentHead } from "../../src/services/audit-heads.js";
import { TERMINAL, eventBy, type Services } from "../../src/services/context.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.close();
});

async function append(n = 1): Promise<void> {
  const events = Array.from({ length: n }, () => eventBy(TERMINAL, { tenantId: null, action: "config.change" }));
  await t.s.store.transaction((tx) => t.s.audit.record(tx, ...events));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("configuration", () => {
  it("SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS: default 300, 0 turns it off, nonsense is refused naming the variable", () => {
    expect(loadConfig({}).auditHeadIntervalMs).toBe(300_000);
    expect(loadConfig({ SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS: "0" }).auditHeadIntervalMs).toBe(0);
    expect(loadConfig({ SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS: "60" }).auditHeadIntervalMs).toBe(60_000);
    for (const bad of ["-1", "soon", "1.5", "86401"]) {
      expect(() => loadConfig({ SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS: bad })).toThrow(/SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS/);
    }
  });
});

describe("signing heads on demand", () => {
  it("an empty log gets no head", async () => {
    expect(await signCurrentHead(t.s)).toEqual({ head: undefined, created: false });
  });

  it("signs once per size, with one installation key whose private half only the sealer opens", async () => {
    await append(3);
    const first = await signCurrentHead(t.s);
    expect(first).toMatchObject({ created: true, head: { size: 3 } });
    expect(await signCurrentHead(t.s)).toMatchObject({ created: false, head: first.head });
    await append();
    expect(await signCurrentHead(t.s)).toMatchObject({ created: true, head: { size: 4, keyId: first.head!.keyId } });
    expect((await listHeads(t.s)).map((h) => h.size)).toEqual([3, 4]);
    expect((await publicSigningKey(t.s)).keyId).toBe(first.head!.keyId);
    // Signing heads adds no audit entries (that would change the size just signed).
    expect((await latestHead(t.s))!.size).toBe(4);
    expect((await t.s.store.db.selectFrom("audit_state").select("size").executeTakeFirstOrThrow()).size).toBe(4);
  });

  it("a key whose sealed private half cannot be opened signs nothing", async () => {
    await append();
    await publicSigningKey(t.s);
    await t.s.store.db.updateTable("audit_signing_keys").set({ private_key: Buffer.alloc(80, 1) }).execute();
    const err = await signCurrentHead(t.s).catch((e: unknown) => e);
    expect(isSealroomError(err, "decryption_failed")).toBe(true);
    expect(await listHeads(t.s)).toEqual([]);
  });
});

describe("periodic signing", () => {
  it("signs at start and on every tick; its timer does not keep the process alive; stop() ends it", async () => {
    const spy = vi.spyOn(globalThis, "setInterval");
    await append(2);
    const signer = startHeadSigner(t.s, 40);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await vi.waitFor(async () => expect((await latestHead(t.s))?.size).toBe(2));
    await append();
    await vi.waitFor(async () => expect((await latestHead(t.s))?.size).toBe(3), { timeout: 2000 });
    await signer.stop();
    await append();
    await sleep(150);
    expect((await latestHead(t.s))?.size).toBe(3);
  });

  it("an interval of 0 signs nothing", async () => {
    await append();
    const signer = startHeadSigner(t.s, 0);
    await sleep(50);
    await signer.stop();
    expect(await listHeads(t.s)).toEqual([]);
  });

  it("a failing signing is logged and the timer keeps going", async () => {
    await append();
    const broken: Services = {
      ...t.s,
      sealer: {
        seal: async () => {
          throw new Error("sealer down");
        },
      } as unknown as Services["sealer"],
    };
    const signer = startHeadSigner(broken, 30);
    await vi.waitFor(() => expect(t.logLines.filter((l) => l.includes("audit tree head signing failed")).length).toBeGreaterThanOrEqual(2), { timeout: 2000 });
    await signer.stop();
    expect(await listHeads(t.s)).toEqual([]);
  });
});
