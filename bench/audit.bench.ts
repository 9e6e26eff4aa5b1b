/**
 * audit: what the tamper-evident log costs, against node:crypto's SHA-256
 * (200-byte inputs) measured in the same run. Appends per second (one entry
 * per transaction, and 100 per transaction), then the log is filled to
 * BENCH_AUDIT_ENTRIES (default 1,000,000) through the same record path in
 * batches of 1,000, and at that size: inclusion proofs generated and verified
 * per second, and exposure reports (actor and tenant) timed against the
 * two-second goal; `audit verify` is timed on the first tenth of the log.
 * SQLite, on a temporary data folder.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXPORT_DOWNLOAD, GATEWAY_CALL, ITEM_READ } from "../src/audit/actions.js";
import type { AuditEvent } from "../src/audit/entry.js";
import { inclusionProof, verifyInclusion } from "../src/audit/merkle.js";
import { loadConfig, withConfig } from "../src/config/config.js";
import { bootServices } from "../src/launcher/services.js";
import { createLogger } from "../src/log/logger.js";
import { LocalKek } from "../src/seal/kek.js";
import { currentTreeSize, signCurrentHead } from "../src/services/audit-heads.js";
import { proveInclusion } from "../src/services/audit-proofs.js";
import { verifyAuditLog } from "../src/services/audit-verify.js";
import { SYSTEM, TERMINAL, type Services } from "../src/services/context.js";
import { actorExposure } from "../src/services/exposure.js";
import { tenantExposure } from "../src/services/exposure-tenant.js";
import { createTenant } from "../src/services/tenants.js";
import { auditNodeSource } from "../src/store/repos/audit.js";
import type { Benchmark, Figure } from "./harness.js";

const ENTRIES = Number(process.env["BENCH_AUDIT_ENTRIES"] ?? 1_000_000);
const SECONDS = Number(process.env["BENCH_AUDIT_SECONDS"] ?? 2);
const DAY = 86_400_000;
const SPAN_DAYS = 90;

/** Deterministic PRNG (mulberry32), so every run seeds the same log. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `op` repeatedly for about `seconds`; returns operations per second. */
async function rate(seconds: number, op: (i: number) => Promise<void> | void): Promise<number> {
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < seconds * 1000) await op(n++);
  return n / ((performance.now() - started) / 1000);
}

function sha256Baseline(): number {
  const input = randomBytes(200);
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < SECONDS * 1000) {
    for (let i = 0; i < 1000; i += 1) createHash("sha256").update(input).digest();
    n += 1000;
  }
  return n / ((performance.now() - started) / 1000);
}

interface Population {
  tenants: string[];
  heavyUser: string;
  typicalUser: string;
}

/** A synthetic but plausible mix: mostly item reads, a heavy reader, a skewed tenant. */
function makeEvent(r: () => number, pop: Population): AuditEvent {
  const x = r();
  // Tenant 0 carries a third of the traffic.
  const tenantIndex = r() < 0.33 ? 0 : 1 + Math.floor(r() * (pop.tenants.length - 1));
  const tenantId = pop.tenants[tenantIndex]!;
  const project = `proj-${tenantIndex}-${Math.floor(r() * 5)}`;
  const heavy = r() < 0.03;
  const user = heavy ? pop.heavyUser : `user-${Math.floor(r() * 5000)}`;
  const base = { tenantId, requestId: null, ip: "10.0.0.1", outcome: "success" as const };
  if (x < 0.7) return { ...base, actorType: "user", actorId: user, action: ITEM_READ, objectType: "item", objectId: `item-${project}-${Math.floor(r() * 20000)}`, detail: { projectId: project } };
  if (x < 0.72) return { ...base, actorType: "user", actorId: user, action: EXPORT_DOWNLOAD, objectType: "export", objectId: `export-${Math.floor(r() * 500)}`, detail: { projectId: project } };
  if (x < 0.82) return { ...base, actorType: "gateway_key", actorId: `gwk-${Math.floor(r() * 50)}`, action: GATEWAY_CALL, objectType: "model", objectId: "gpt-x", detail: { projectId: project } };
  return { ...base, actorType: "user", actorId: user, action: "auth.login", objectType: "session", objectId: `s-${Math.floor(r() * 1e9)}`, detail: { email: `${user}@example.test` } };
}

/** Appends batches of 1,000 until the log holds `target` entries, the clock spreading ENTRIES over SPAN_DAYS. */
async function fill(s: Services, clock: { now: number }, pop: Population, target: number, r: () => number): Promise<number> {
  const start = await currentTreeSize(s);
  const batches = Math.ceil((target - start) / 1000);
  const step = Math.floor((SPAN_DAYS * DAY) / Math.max(1, Math.ceil(ENTRIES / 1000)));
  const started = performance.now();
  for (let b = 0; b < batches; b += 1) {
    const n = Math.min(1000, target - start - b * 1000);
    const events = Array.from({ length: n }, () => makeEvent(r, pop));
    // The typical user reads a little, every so often.
    if (b % 50 === 0) events[0] = { ...events[0]!, actorType: "user", actorId: pop.typicalUser, action: ITEM_READ, objectType: "item", objectId: `item-typical-${b}`, detail: { projectId: "proj-0-0" } };
    await s.store.transaction((tx) => s.audit.record(tx, ...events));
    clock.now += step;
  }
  return (target - start) / ((performance.now() - started) / 1000);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export const auditBench: Benchmark = {
  name: "audit",
  description: `audit log appends, proofs and exposure reports at ${ENTRIES.toLocaleString("en")} entries vs node:crypto SHA-256 (200 B), SQLite`,
  async run() {
    const baseline = sha256Baseline();
    const dir = mkdtempSync(join(tmpdir(), "sealroom-bench-audit-"));
    const clock = { now: Date.UTC(2026, 0, 1) };
    const config = withConfig(loadConfig({ SEALROOM_DATA_DIR: dir, SEALROOM_LOG_LEVEL: "silent" }), {});
    const s = await bootServices(config, { log: createLogger("silent"), kek: LocalKek.fromBytes(randomBytes(32)), now: () => clock.now });
    try {
      const tenants: string[] = [];
      for (let i = 0; i < 20; i += 1) tenants.push((await createTenant(s, { slug: `bench-${i}`, name: `Bench ${i}` }, SYSTEM)).id);
      const pop: Population = { tenants, heavyUser: "user-heavy", typicalUser: "user-typical" };
      const r = prng(7);
      const single = await rate(SECONDS, () => s.store.transaction((tx) => s.audit.record(tx, makeEvent(r, pop))));
      const batched =
        (await rate(SECONDS, () => s.store.transaction((tx) => s.audit.record(tx, ...Array.from({ length: 100 }, () => makeEvent(r, pop)))))) * 100;
      // `audit verify` reads and rehashes everything: timed at a tenth of the size, it scales linearly.
      const verifyAt = Math.max(1000, Math.floor(ENTRIES / 10));
      const fillRandom = prng(42);
      await fill(s, clock, pop, verifyAt, fillRandom);
      const verified = await timed(() => verifyAuditLog(s));
      if (!verified.value.ok) throw new Error(`audit verify failed on an untouched log: ${verified.value.problem?.message}`);
      const seeding = await fill(s, clock, pop, ENTRIES, fillRandom);
      await signCurrentHead(s);
      const size = await currentTreeSize(s);

      const nodes = auditNodeSource(s.store.db);
      const pick = prng(99);
      const proofs: Array<{ index: number; leaf: Buffer; proof: Buffer[]; root: Buffer }> = [];
      const rawProofs = await rate(SECONDS, async () => {
        await inclusionProof(Math.floor(pick() * size), size, nodes);
      });
      const apiProofs = await rate(SECONDS, async () => {
        const p = await proveInclusion(s, Math.floor(pick() * size), size);
        if (proofs.length < 2000) proofs.push({ index: p.index, leaf: Buffer.from(p.leafHash, "hex"), proof: p.proof.map((h) => Buffer.from(h, "hex")), root: Buffer.from(p.rootHash, "hex") });
      });
      const verifications = await rate(SECONDS, (i) => {
        const p = proofs[i % proofs.length]!;
        if (!verifyInclusion(p.leaf, p.index, size, p.proof, p.root).ok) throw new Error("a generated proof did not verify");
      });

      const end = clock.now;
      const month = { from: end - 30 * DAY, to: end };
      const all = { from: 0, to: end };
      const heavy = await timed(() => actorExposure(s, { actor: pop.heavyUser, ...month }, TERMINAL));
      const heavyAll = await timed(() => actorExposure(s, { actor: pop.heavyUser, ...all }, TERMINAL));
      const typical = await timed(() => actorExposure(s, { actor: pop.typicalUser, ...all }, TERMINAL));
      const bigTenant = { id: tenants[0]!, slug: "bench-0", name: "Bench 0", status: "active" as const, pause_reason: null, created_at: 0, updated_at: 0 };
      const tenantMonth = await timed(() => tenantExposure(s, bigTenant, month, TERMINAL));
      const tenantAll = await timed(() => tenantExposure(s, bigTenant, all, TERMINAL));
      const worst = Math.max(heavy.ms, heavyAll.ms, typical.ms, tenantMonth.ms, tenantAll.ms);
      if (heavyAll.value.didRead.totals.itemReads === 0 || tenantAll.value.readers.length === 0) throw new Error("the exposure reports found nothing: the seeded log is wrong");

      const figures: Figure[] = [
        { name: "appends, 1 entry per transaction", value: single, unit: "entries/s" },
        { name: "appends, 100 entries per transaction", value: batched, unit: "entries/s" },
        { name: `appends, 1,000 per transaction (filling ${verifyAt} to ${size})`, value: seeding, unit: "entries/s" },
        { name: `audit verify (whole log of ${verified.value.entries} entries)`, value: verified.value.entries / (verified.ms / 1000), unit: "entries/s" },
        { name: `inclusion proofs generated (tree of ${size}, nodes only)`, value: rawProofs, unit: "proofs/s" },
        { name: "inclusion proofs generated (service: leaf, root, head too)", value: apiProofs, unit: "proofs/s" },
        { name: "inclusion proofs verified", value: verifications, unit: "proofs/s" },
        { name: `exposure: heavy actor, 30 days (${heavy.value.didRead.totals.itemReads} item reads)`, value: heavy.ms, unit: "ms" },
        { name: `exposure: heavy actor, all ${SPAN_DAYS} days (${heavyAll.value.didRead.totals.itemReads} item reads, ${heavyAll.value.didRead.totals.distinctItems} distinct)`, value: heavyAll.ms, unit: "ms" },
        { name: `exposure: typical actor, all days (${typical.value.didRead.totals.itemReads} item reads)`, value: typical.ms, unit: "ms" },
        { name: `exposure: busiest tenant, 30 days (${tenantMonth.value.readers.length} readers, ${tenantMonth.value.proof.readEntries} read entries)`, value: tenantMonth.ms, unit: "ms" },
        { name: `exposure: busiest tenant, all days (${tenantAll.value.readers.length} readers, ${tenantAll.value.proof.readEntries} read entries)`, value: tenantAll.ms, unit: "ms" },
        { name: "exposure: slowest report", value: worst, unit: "ms" },
      ];
      return {
        name: "audit",
        description: this.description,
        subject: { name: "audit appends, 100 entries per transaction", value: batched, unit: "entries/s" },
        baseline: { name: "node:crypto SHA-256 of 200 bytes", value: baseline, unit: "hashes/s" },
        ratio: batched / baseline,
        figures,
        goal: `every exposure report under 2000 ms at ${size} entries (slowest: ${worst.toFixed(0)} ms)`,
      };
    } finally {
      await s.store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
