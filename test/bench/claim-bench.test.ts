/**
 * Smoke test of the claim benchmark (bench/claim.bench.ts): the whole path —
 * child server, seeding through the real services, sign-in, the claim →
 * submit loop over HTTP, the healthz baseline, the paced run and the
 * server's own timing of it — at a tiny
 * size, so CI notices when the benchmark no longer runs. On the PostgreSQL
 * pass it runs on PostgreSQL too (in a schema of its own).
 */
import { describe, expect, it } from "vitest";
import { runClaimBench } from "../../bench/claim.bench.js";
import { DIALECT } from "../support/services.js";

const databaseUrl = DIALECT === "postgres" ? process.env["SEALROOM_TEST_POSTGRES_URL"] : undefined;
const tiny = { concurrency: [5], durationMs: 1000, rounds: 2, warmupMs: 200, thinkMs: 200, databaseUrl };

describe("claim benchmark", () => {
  it("measures claim → submit round trips and the healthz baseline on every dialect", { timeout: 120_000 }, async () => {
    const r = await runClaimBench({ ...tiny, sizes: [2000] });
    expect(r.steps.map((st) => st.dialect)).toEqual(databaseUrl ? ["sqlite", "postgres"] : ["sqlite"]);
    for (const st of r.steps) {
      expect(st.items).toBe(2000);
      expect(st.contractors).toBe(5);
      expect(st.roundTripsPerSecond).toBeGreaterThan(0);
      // Every completed loop is one claim and one submit; none failed (the bench throws on errors).
      expect(st.claim.requests).toBeGreaterThanOrEqual(st.submit.requests);
      expect(st.submit.requests).toBeGreaterThan(0);
      // Every closed-loop claim was followed by a refill (before the next round or the paced run).
      expect(st.itemsAdded).toBeGreaterThanOrEqual(st.claim.requests);
      expect(st.claim.errors + st.submit.errors + st.healthz.errors).toBe(0);
      expect(st.claim.p99Ms).toBeGreaterThanOrEqual(st.claim.p50Ms);
      expect(st.claim.p50Ms).toBeGreaterThan(0);
      expect(st.healthz.perSecond).toBeGreaterThan(0);
      expect(st.paced?.claim.requests).toBeGreaterThan(0);
      // The server timed the same paced requests itself: as many, and each no longer than the client saw it.
      const server = st.paced!.server;
      expect(server.claim.requests).toBe(st.paced!.claim.requests);
      expect(server.submit.requests).toBe(st.paced!.submit.requests);
      expect(server.claim.p50Ms).toBeGreaterThan(0);
      expect(server.claim.p50Ms).toBeLessThanOrEqual(st.paced!.claim.p99Ms);
      expect(server.claim.p99Ms).toBeGreaterThanOrEqual(server.claim.p50Ms);
    }
    expect(r.subject.value).toBe(r.steps[0]!.roundTripsPerSecond);
    expect(r.ratio).toBeCloseTo(r.subject.value / r.baseline.value);
    expect(r.figures.map((f) => f.name)).toContain("sqlite: seeding 2,000 sealed items");
  });

  it("stops with a clear error when the queue runs dry instead of timing empty answers", { timeout: 60_000 }, async () => {
    await expect(runClaimBench({ ...tiny, databaseUrl: undefined, sizes: [3] })).rejects.toThrow(/queue of 3 items ran dry/);
  });
});
