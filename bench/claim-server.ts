/**
 * The server of the claim benchmark, in a process of its own so the load
 * generator does not share its event loop:
 * `tsx bench/claim-server.ts ITEMS CONTRACTORS`. Boots Sealroom on a fresh
 * SQLite folder (or, with BENCH_DATABASE_URL, a fresh schema in that
 * PostgreSQL database), seeds one classification project with CONTRACTORS
 * contractors and ITEMS sealed items through the real services, starts the
 * HTTP server on a free loopback port and prints one JSON line (see Ready).
 * Then it takes commands on stdin: "mark" starts a measured stretch, "report"
 * prints one JSON line of what the server itself measured since (see
 * ServerReport), "refill" adds as many new items as claims were answered
 * since the last refill (so the queue stays at ITEMS open items however fast
 * the machine drains it) and prints {"refilled":N}. After seeding and after
 * each refill it runs a full garbage collection (when started with
 * --expose-gc, as the bench does), so the garbage those leave is not
 * collected inside a measured run. Runs until its stdin closes, then stops
 * and removes what it created.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { subscribe } from "node:diagnostics_channel";
import { PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import pg from "pg";
import { loadConfig, withConfig } from "../src/config/config.js";
import { startServer } from "../src/launcher/server.js";
import { bootServices } from "../src/launcher/services.js";
import { createLogger } from "../src/log/logger.js";
import { LocalKek } from "../src/seal/kek.js";
import { TERMINAL, type Services } from "../src/services/context.js";
import { sealedItemCodec } from "../src/services/item-codec.js";
import { addProjectMember } from "../src/services/project-admin.js";
import { addItems, createProject } from "../src/services/projects.js";
import { createTenant } from "../src/services/tenants.js";
import { createUser } from "../src/services/users.js";
import type { ProjectRow } from "../src/store/repos/projects.js";
import { upsertMembership } from "../src/store/repos/tenants.js";

/** What the parent reads from the first stdout line. */
export interface Ready {
  readonly url: string;
  readonly dialect: "sqlite" | "postgres";
  readonly tenant: string;
  readonly project: string;
  readonly emails: readonly string[];
  readonly password: string;
  readonly items: number;
  readonly seedSeconds: number;
  /** The PostgreSQL schema the server runs in (dropped when it stops). */
  readonly schema?: string;
}

const PASSWORD = "benchmark password 123456";
/** Items per addItems call, each in one transaction. */
const BATCH = 10_000;
/**
 * Overlap 1, no review, no gold: every claim leases a fresh item and every
 * submit resolves it. The abuse limits sit at their maximum so 200 clients
 * looping without pause are not throttled (a real contractor reads a task
 * for seconds to minutes).
 */
const PROJECT_CONFIG = {
  overlap: 1,
  review: { mode: "none" },
  gold: { ratio: 0 },
  maxTasksPerDay: null,
  abuse: { readsPerMinute: 10_000, throttleAfter: 9_999, suspendAfter: 10_000 },
};

const [items, contractors] = process.argv.slice(2).map(Number) as [number, number];
const databaseUrl = process.env["BENCH_DATABASE_URL"] || undefined;

/** Seeds items it-FROM … it-(FROM+COUNT-1) into the project, BATCH per transaction. */
async function addBatches(s: Services, tenantId: string, project: ProjectRow, from: number, count: number): Promise<void> {
  const codec = await sealedItemCodec(s, tenantId);
  try {
    for (let at = from; at < from + count; at += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, from + count - at) }, (_, k) => {
        const id = `it-${at + k}`;
        return { externalId: id, payload: { id, text: `Text of ${id}: the weather is fine.`, labels: ["positive", "negative", "neutral"] }, isGold: false };
      });
      // addItems re-reads the project's last seq under its lock, so a stale row is fine here.
      await s.store.transaction((tx) => addItems(s, tx, project, codec, batch, TERMINAL));
    }
  } finally {
    await codec.close();
  }
}

async function seed(s: Services): Promise<Omit<Ready, "url" | "dialect"> & { tenantId: string; projectRow: ProjectRow }> {
  const tenant = await createTenant(s, { slug: "bench", name: "Bench" }, TERMINAL);
  const project = await s.store.transaction((tx) => createProject(s, tx, tenant.id, { slug: "claims", name: "Claims", template: "classification", config: PROJECT_CONFIG }, TERMINAL));
  const emails: string[] = [];
  for (let i = 0; i < contractors; i++) {
    const email = `contractor${i}@bench.test`;
    const u = await s.store.transaction((tx) => createUser(s, tx, { email, displayName: `Contractor ${i}`, password: PASSWORD }, TERMINAL));
    await upsertMembership(s.store.db, tenant.id, u.id, "contractor", s.now());
    await addProjectMember(s, project, u.id, "contractor", TERMINAL);
    emails.push(email);
  }
  const started = performance.now();
  await addBatches(s, tenant.id, project, 0, items);
  return { tenant: tenant.slug, project: project.slug, emails, password: PASSWORD, items, seedSeconds: (performance.now() - started) / 1000, tenantId: tenant.id, projectRow: project };
}

/** A fresh PostgreSQL schema for this run; returns a function that drops it. */
async function freshSchema(url: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `bench_claim_${randomBytes(6).toString("hex")}`;
  const sql = async (text: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await sql(`CREATE SCHEMA ${schema}`);
  return { schema, drop: () => sql(`DROP SCHEMA ${schema} CASCADE`) };
}

/** In-server latency of one kind of request over a measured stretch. */
export interface ServerLatency {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The slowest 1% of these requests that overlapped a garbage collection. */
  readonly slowestWithGc: number;
}

/** What the server measured between "mark" and "report" (see the header of recorder()). */
export interface ServerReport {
  readonly claim: ServerLatency;
  readonly submit: ServerLatency;
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
}

/**
 * Each request's time inside this process, from its head being parsed to its
 * response finishing (Node's http diagnostics channels), and every garbage
 * collection, between a "mark" and a "report" sent on stdin. Set against what
 * the load generator saw, it separates the server's own time from the
 * loopback and the generator's scheduling on the shared cores.
 */
function recorder(): { mark(): void; report(): ServerReport; takeClaims(): number } {
  let claims = 0;
  const open = new Map<object, { path: string; start: number }>();
  let done: Array<{ path: string; start: number; end: number }> = [];
  let gcs: Array<{ start: number; end: number }> = [];
  subscribe("http.server.request.start", (m) => {
    const { request, response } = m as { request: { url?: string }; response: object };
    open.set(response, { path: request.url ?? "", start: performance.now() });
  });
  subscribe("http.server.response.finish", (m) => {
    const { response } = m as { response: object };
    const r = open.get(response);
    open.delete(response);
    if (!r) return;
    done.push({ ...r, end: performance.now() });
    if (r.path.endsWith("/claim")) claims++;
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  }).observe({ entryTypes: ["gc"] });
  const latency = (suffix: string): ServerLatency => {
    const rs = done.filter((r) => r.path.endsWith(suffix)).sort((a, b) => a.end - a.start - (b.end - b.start));
    const at = (q: number) => (rs.length ? rs[Math.min(rs.length - 1, Math.floor(q * rs.length))]! : undefined);
    const ms = (r: { start: number; end: number } | undefined) => (r ? r.end - r.start : 0);
    const slowest = rs.slice(rs.length - Math.ceil(rs.length / 100));
    return { requests: rs.length, p50Ms: ms(at(0.5)), p99Ms: ms(at(0.99)), slowestWithGc: slowest.filter((r) => gcs.some((g) => g.end > r.start && g.start < r.end)).length };
  };
  return {
    takeClaims: () => {
      const n = claims;
      claims = 0;
      return n;
    },
    mark: () => {
      done = [];
      gcs = [];
    },
    report: () => ({
      claim: latency("/claim"),
      submit: latency("/submit"),
      gc: { count: gcs.length, totalMs: gcs.reduce((t, g) => t + g.end - g.start, 0), maxMs: Math.max(0, ...gcs.map((g) => g.end - g.start)) },
    }),
  };
}
const times = recorder();
const collect = () => (globalThis as { gc?: () => void }).gc?.();

const dir = mkdtempSync(join(tmpdir(), "sealroom-bench-claim-"));
const pgSchema = databaseUrl ? await freshSchema(databaseUrl) : undefined;
try {
  const env = { SEALROOM_DATA_DIR: dir, SEALROOM_PORT: "0", SEALROOM_LOG_LEVEL: "silent" as const, ...(databaseUrl ? { SEALROOM_DATABASE_URL: databaseUrl } : {}) };
  // Sign-in cost is not what is measured: a cheap scrypt makes 200 logins quick (tests do the same).
  const config = withConfig(loadConfig(env), { passwordCostLog2: 10 });
  const s = await bootServices(config, { log: createLogger("silent"), kek: LocalKek.fromBytes(randomBytes(32)), store: { backgroundCheckpoints: true, ...(pgSchema ? { searchPath: pgSchema.schema } : {}) } });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const seeded = await seed(s);
    // What seeding (and each refill) leaves for the collector is the benchmark's, not the server's:
    // collected before anything is measured (the bench starts this process with --expose-gc).
    collect();
    server = await startServer(s);
    const { tenantId, projectRow, ...shown } = seeded;
    const ready: Ready = { url: server.url, dialect: s.store.kind, ...shown, ...(pgSchema ? { schema: pgSchema.schema } : {}) };
    let next = items;
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    // Commands on stdin, one per line; its end stops the server.
    const commands = createInterface({ input: process.stdin });
    // Commands run one at a time, in order (a refill must finish before its answer is read).
    let queue = Promise.resolve();
    commands.on("line", (line) => {
      queue = queue.then(async () => {
        if (line === "mark") times.mark();
        else if (line === "report") process.stdout.write(`${JSON.stringify(times.report())}\n`);
        else if (line === "refill") {
          const count = times.takeClaims();
          await addBatches(s, tenantId, projectRow, next, count);
          next += count;
          collect();
          process.stdout.write(`${JSON.stringify({ refilled: count })}\n`);
        }
      });
    });
    await new Promise<void>((resolve) => commands.once("close", resolve));
    await queue;
  } finally {
    if (server) await server.stop();
    else await s.store.close();
  }
} finally {
  await pgSchema?.drop();
  rmSync(dir, { recursive: true, force: true });
}
