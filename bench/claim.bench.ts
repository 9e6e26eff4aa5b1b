/**
 * claim: the work engine's hot path over HTTP. Each simulated contractor
 * signs in (session cookie + CSRF header) and loops claim-next → submit
 * (classification, overlap 1, no review, no gold), against GET /healthz on
 * the same server at the same concurrency, in the same run. Servers run in
 * child processes (bench/claim-server.ts), so the load generator does not
 * share their event loop.
 *
 * One server per size in BENCH_CLAIM_ITEMS (default "10000,1000000"), all
 * seeded first and kept up. For each concurrency in BENCH_CLAIM_CONCURRENCY
 * (default "50,200"): round trips per second, claim and submit p50/p99,
 * healthz req/s and p99, over BENCH_CLAIM_DURATION_MS (default 5000) per
 * server and measurement, cut into BENCH_CLAIM_ROUNDS (default 5) rounds that
 * alternate between the servers, so load from elsewhere on the machine falls
 * on every size alike (samples are pooled over the rounds). Before every
 * claim run each server adds one new item per claim it answered since its
 * last refill, so its queue holds its size in open items however fast the
 * machine drains it.
 *
 * Those clients never pause, so their latency is mostly queueing (Little's
 * law: concurrency / throughput). A paced run at the highest concurrency
 * measures latency under a plausible load instead: each contractor "works"
 * BENCH_CLAIM_THINK_MS (default 5000, ±50%; 0 skips it) between submit and the
 * next claim, for max(BENCH_CLAIM_DURATION_MS, 3 × think) per server.
 *
 * BENCH_DATABASE_URL (postgres://…) runs everything on PostgreSQL as well,
 * each server in a fresh schema of that database.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { Agent } from "node:http";
import { availableParallelism, loadavg } from "node:os";
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { percentile, type BenchResult, type Benchmark, type Figure } from "./harness.js";
import { loadScript, type LoadResult, type ScriptResult, type Send } from "./load.js";
import type { Ready, ServerReport } from "./claim-server.js";

const ROOT = resolve(import.meta.dirname, "..");
/** A request unanswered this long counts as failed (a deadlocked server would otherwise hang the run). */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long a server gets to stop before it is killed. */
const STOP_MS = 30_000;
const list = (v: string | undefined, fallback: number[]) => (v ? v.split(",").map((x) => Number(x.trim())) : fallback);

export interface ClaimBenchOptions {
  readonly sizes: readonly number[];
  readonly concurrency: readonly number[];
  /** Per server and measurement, split over `rounds`. */
  readonly durationMs: number;
  readonly rounds: number;
  /** Warm-up per server and concurrency (healthz, then claim → submit). */
  readonly warmupMs: number;
  /** Mean pause of a contractor between tasks in the paced run at the highest concurrency; 0 skips it. */
  readonly thinkMs: number;
  /** PostgreSQL database to run on as well (each server gets a fresh schema). */
  readonly databaseUrl?: string | undefined;
}

/** One measured step: a queue size, a concurrency, a dialect. */
export interface ClaimStep {
  readonly dialect: "sqlite" | "postgres";
  readonly items: number;
  readonly contractors: number;
  readonly roundTripsPerSecond: number;
  readonly claim: LoadResult;
  readonly submit: LoadResult;
  readonly healthz: LoadResult;
  /** The paced run (highest concurrency only, when thinkMs > 0). */
  readonly paced?: {
    readonly roundTripsPerSecond: number;
    readonly claim: LoadResult;
    readonly submit: LoadResult;
    readonly healthz: LoadResult;
    /** The same claims and submits timed inside the server (head parsed → response finished). */
    readonly server: ServerReport;
  };
  readonly seedSeconds: number;
  /** Items the server had added to keep its queue at its size, by the end of this step (all steps so far). */
  readonly itemsAdded: number;
}

interface Server {
  readonly ready: Ready;
  readonly sessions: ReadonlyArray<Record<string, string>>;
  /** Starts a stretch the server times itself (see claim-server.ts). */
  mark(): void;
  /** What the server measured since mark(). */
  report(): Promise<ServerReport>;
  /** Tops the queue back up to its size (one new item per claim answered since the last refill). */
  refill(): Promise<void>;
  /** Items added by refills so far. */
  readonly itemsAdded: () => number;
  stop(): Promise<void>;
}

async function startServer(items: number, contractors: number, databaseUrl: string | undefined): Promise<Server> {
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", ...(databaseUrl ? { BENCH_DATABASE_URL: databaseUrl } : {}) };
  // Extra node flags for the servers, for profiling them: "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env["BENCH_SERVER_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const child: ChildProcessByStdio<Writable, Readable, null> = spawn(process.execPath, ["--expose-gc", ...nodeArgs, "--import", "tsx", "bench/claim-server.ts", String(items), String(contractors)], {
    cwd: ROOT,
    env,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  let schema: string | undefined;
  // A server stuck on a request it can never finish would also never stop: kill it, and say what it leaves behind.
  const stop = async () => {
    child.stdin.end();
    const kill = setTimeout(() => {
      console.error(`the claim server did not stop within ${STOP_MS / 1000} s and was killed${schema ? `; drop schema ${schema} by hand` : ""}`);
      child.kill("SIGKILL");
    }, STOP_MS);
    await exited;
    clearTimeout(kill);
  };
  // The server's stdout, a line at a time: its Ready line, then one line per report.
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = (what: string) =>
    Promise.race([
      lines.next().then((r) => (r.done ? Promise.reject(new Error(`the claim server closed its output before ${what}`)) : r.value)),
      exited.then((code) => Promise.reject(new Error(`the claim server exited (${code}) before ${what}`))),
    ]);
  try {
    const ready = JSON.parse(await nextLine("it was ready")) as Ready;
    schema = ready.schema;
    const mark = () => void child.stdin.write("mark\n");
    const report = async () => {
      child.stdin.write("report\n");
      return JSON.parse(await nextLine("its report")) as ServerReport;
    };
    let added = 0;
    const refill = async () => {
      child.stdin.write("refill\n");
      added += (JSON.parse(await nextLine("it refilled its queue")) as { refilled: number }).refilled;
    };
    return { ready, sessions: await signIn(ready), mark, report, refill, itemsAdded: () => added, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Signs every contractor in over HTTP, one after another (the login throttle counts parallel attempts). */
async function signIn(ready: Ready): Promise<Array<Record<string, string>>> {
  const sessions: Array<Record<string, string>> = [];
  for (const email of ready.emails) {
    const res = await fetch(`${ready.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: ready.password }) });
    const body = (await res.json()) as { csrfToken?: string };
    const cookie = /sealroom_session=[^;]*/.exec(res.headers.get("set-cookie") ?? "")?.[0];
    if (res.status !== 200 || !cookie || !body.csrfToken) throw new Error(`sign-in of ${email} failed: ${res.status} ${JSON.stringify(body)}`);
    sessions.push({ cookie, "x-csrf-token": body.csrfToken, "content-type": "application/json" });
  }
  return sessions;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
type Script = (client: number, send: Send) => Promise<void>;

/**
 * The contractor's loop: claim the next task, submit the first label as its
 * answer. With `pace`, first a pause of think ±50% (which also spreads the
 * first claims), and nothing once the pause ends past `until`. Failures are
 * kept in `errors` (the first one's reply) and end the benchmark afterwards.
 */
function claimSubmit(server: Server, errors: { first?: string }, pace?: { thinkMs: number; until: number }): Script {
  const { ready, sessions } = server;
  const base = `/api/tenants/${ready.tenant}/projects/${ready.project}/tasks`;
  const failed = (what: string, r: { status: number; body: string } | undefined) => {
    errors.first ??= `${ready.dialect}, ${ready.items} items: ${what}: ${r ? `${r.status} ${r.body.slice(0, 300)}` : `no answer (connection failed, or none within ${REQUEST_TIMEOUT_MS / 1000} s)`}`;
  };
  return async (client, send) => {
    const headers = sessions[client]!;
    if (pace) {
      await sleep(pace.thinkMs * (0.5 + Math.random()));
      if (performance.now() > pace.until) return;
    }
    const claim = await send("claim", { method: "POST", path: `${base}/claim`, headers });
    if (claim?.status !== 200) return failed("claim", claim);
    const { task } = JSON.parse(claim.body) as { task: { id: string; item: { labels: string[] } } | null };
    // An empty queue measures nothing: stop the run rather than time empty answers.
    if (task === null) throw new Error(`the queue of ${ready.items} items ran dry; raise BENCH_CLAIM_ITEMS or lower BENCH_CLAIM_DURATION_MS`);
    const submit = await send("submit", { method: "POST", path: `${base}/${task.id}/submit`, headers, body: JSON.stringify({ answer: { label: task.item.labels[0] } }) });
    if (submit?.status !== 201) failed("submit", submit);
  };
}

const healthz: Script = async (_client, send) => {
  await send("healthz", { path: "/healthz", discard: true });
};

/** /healthz at the paced run's rhythm: the latency floor of an idle-then-woken server on this machine. */
function pacedHealthz(pace: { thinkMs: number; until: number }): Script {
  return async (_client, send) => {
    await sleep(pace.thinkMs * (0.5 + Math.random()));
    if (performance.now() > pace.until) return;
    await send("healthz", { path: "/healthz", discard: true });
  };
}

/** Runs pooled over several rounds: loops and seconds add up, latencies merge. */
class Pool {
  loops = 0;
  seconds = 0;
  readonly samples = new Map<string, number[]>();
  readonly errors = new Map<string, number>();

  add(r: ScriptResult): void {
    this.loops += r.loops;
    this.seconds += r.seconds;
    for (const [label, list] of Object.entries(r.samples)) this.samples.set(label, [...(this.samples.get(label) ?? []), ...list]);
    for (const [label, x] of Object.entries(r.byLabel)) this.errors.set(label, (this.errors.get(label) ?? 0) + x.errors);
  }

  result(label: string): LoadResult {
    const list = [...(this.samples.get(label) ?? [])].sort((a, b) => a - b);
    return { requests: list.length, errors: this.errors.get(label) ?? 0, perSecond: list.length / (this.seconds || 1), p50Ms: percentile(list, 50), p99Ms: percentile(list, 99) };
  }
}

type Run = (server: number, durationMs: number, script: Script) => Promise<ScriptResult>;

/** The closed-loop measurements: healthz, then claim → submit, alternating between servers round by round. */
async function closedRounds(servers: readonly Server[], run: Run, o: ClaimBenchOptions, errors: { first?: string }): Promise<{ base: Pool[]; closed: Pool[] }> {
  const base = servers.map(() => new Pool());
  const closed = servers.map(() => new Pool());
  for (const [i, server] of servers.entries()) {
    if (o.warmupMs <= 0) continue;
    await run(i, o.warmupMs, healthz);
    await server.refill();
    await run(i, o.warmupMs, claimSubmit(server, errors));
  }
  for (let round = 0; round < o.rounds; round++) {
    for (const [i, server] of servers.entries()) {
      base[i]!.add(await run(i, o.durationMs / o.rounds, healthz));
      await server.refill();
      closed[i]!.add(await run(i, o.durationMs / o.rounds, claimSubmit(server, errors)));
    }
  }
  return { base, closed };
}

/** The paced run of each server, one after another (a round must last several think times, so they are not cut up). */
async function pacedRuns(servers: readonly Server[], run: Run, o: ClaimBenchOptions, errors: { first?: string }): Promise<Array<{ pool: Pool; server: ServerReport }>> {
  const pools: Array<{ pool: Pool; server: ServerReport }> = [];
  for (const [i, server] of servers.entries()) {
    const pool = new Pool();
    // The floor first: the same clients at the same pace asking for /healthz (what waking the processes and the loopback cost).
    pool.add(await run(i, pacedMs(o), pacedHealthz({ thinkMs: o.thinkMs, until: performance.now() + pacedMs(o) })));
    await server.refill();
    server.mark();
    pool.add(await run(i, pacedMs(o), claimSubmit(server, errors, { thinkMs: o.thinkMs, until: performance.now() + pacedMs(o) })));
    pools.push({ pool, server: await server.report() });
  }
  return pools;
}

const pacedMs = (o: ClaimBenchOptions) => Math.max(o.durationMs, 3 * o.thinkMs);

/**
 * Measures every server at one concurrency. One keep-alive agent per server
 * serves the warm-up and every measured run, so runs start on open
 * connections: opening 200 at once against a busy server admits them a few
 * at a time, and the first claims would time that instead.
 */
async function measureLevel(servers: readonly Server[], contractors: number, o: ClaimBenchOptions): Promise<ClaimStep[]> {
  const agents = servers.map(() => new Agent({ keepAlive: true, maxSockets: contractors }));
  const errors: { first?: string } = {};
  const run: Run = (i, durationMs, script) => loadScript(servers[i]!.ready.url, { concurrency: contractors, durationMs, agent: agents[i]!, timeoutMs: REQUEST_TIMEOUT_MS }, script);
  try {
    const { base, closed } = await closedRounds(servers, run, o, errors);
    const paced = o.thinkMs > 0 && contractors === Math.max(...o.concurrency) ? await pacedRuns(servers, run, o, errors) : [];
    const healthzErrors = base.reduce((sum, p) => sum + p.result("healthz").errors, 0);
    if (errors.first || healthzErrors > 0) throw new Error(`errors during the run at ${contractors} contractors: ${errors.first ?? `/healthz ${healthzErrors}`}`);
    return servers.map((server, i): ClaimStep => {
      const p = paced[i];
      return {
        dialect: server.ready.dialect,
        items: server.ready.items,
        contractors,
        roundTripsPerSecond: closed[i]!.loops / closed[i]!.seconds,
        claim: closed[i]!.result("claim"),
        submit: closed[i]!.result("submit"),
        healthz: base[i]!.result("healthz"),
        ...(p ? { paced: { roundTripsPerSecond: p.pool.result("submit").requests / (pacedMs(o) / 1000), claim: p.pool.result("claim"), submit: p.pool.result("submit"), healthz: p.pool.result("healthz"), server: p.server } } : {}),
        seedSeconds: server.ready.seedSeconds,
        itemsAdded: server.itemsAdded(),
      };
    });
  } finally {
    for (const a of agents) a.destroy();
  }
}

const n = (v: number) => v.toLocaleString("en-US");

/** Every step on one dialect: a server per size (seeded one after another), then each concurrency. */
async function steps(o: ClaimBenchOptions, databaseUrl: string | undefined, log: (line: string) => void): Promise<ClaimStep[]> {
  const servers: Server[] = [];
  try {
    for (const items of o.sizes) {
      servers.push(await startServer(items, Math.max(...o.concurrency), databaseUrl));
      const { dialect, seedSeconds } = servers.at(-1)!.ready;
      log(`  ${dialect}: seeded ${n(items)} items in ${seedSeconds.toFixed(1)} s`);
    }
    const out: ClaimStep[] = [];
    for (const c of o.concurrency) {
      for (const st of await measureLevel(servers, c, o)) {
        const paced = st.paced ? `; paced: claim p99 ${st.paced.claim.p99Ms.toFixed(1)} ms (inside the server ${st.paced.server.claim.p99Ms.toFixed(1)} ms; /healthz p99 ${st.paced.healthz.p99Ms.toFixed(1)} ms)` : "";
        log(`  ${st.dialect} ${n(st.items)} items, ${c} contractors: ${st.roundTripsPerSecond.toFixed(0)} round trips/s, claim p99 ${st.claim.p99Ms.toFixed(1)} ms${paced}`);
        out.push(st);
      }
    }
    return out;
  } finally {
    for (const s of servers) await s.stop();
  }
}

function figuresOf(st: ClaimStep): Figure[] {
  const p = `${st.dialect} ${n(st.items)} items, ${st.contractors} contractors:`;
  const paced = st.paced;
  return [
    { name: `${p} round trips`, value: st.roundTripsPerSecond, unit: "/s" },
    { name: `${p} claim p50`, value: st.claim.p50Ms, unit: "ms" },
    { name: `${p} claim p99`, value: st.claim.p99Ms, unit: "ms" },
    { name: `${p} submit p50`, value: st.submit.p50Ms, unit: "ms" },
    { name: `${p} submit p99`, value: st.submit.p99Ms, unit: "ms" },
    { name: `${p} /healthz`, value: st.healthz.perSecond, unit: "req/s" },
    { name: `${p} /healthz p99`, value: st.healthz.p99Ms, unit: "ms" },
    { name: `${p} round trips / healthz`, value: st.roundTripsPerSecond / st.healthz.perSecond, unit: "" },
    ...(paced
      ? [
          { name: `${p} paced: round trips`, value: paced.roundTripsPerSecond, unit: "/s" },
          { name: `${p} paced: claim p50`, value: paced.claim.p50Ms, unit: "ms" },
          { name: `${p} paced: claim p99`, value: paced.claim.p99Ms, unit: "ms" },
          { name: `${p} paced: submit p50`, value: paced.submit.p50Ms, unit: "ms" },
          { name: `${p} paced: submit p99`, value: paced.submit.p99Ms, unit: "ms" },
          { name: `${p} paced: /healthz p50 (floor)`, value: paced.healthz.p50Ms, unit: "ms" },
          { name: `${p} paced: /healthz p99 (floor)`, value: paced.healthz.p99Ms, unit: "ms" },
          { name: `${p} paced, inside the server: claim p50`, value: paced.server.claim.p50Ms, unit: "ms" },
          { name: `${p} paced, inside the server: claim p99`, value: paced.server.claim.p99Ms, unit: "ms" },
          { name: `${p} paced, inside the server: submit p99`, value: paced.server.submit.p99Ms, unit: "ms" },
          { name: `${p} paced, inside the server: slowest 1% of claims during a GC`, value: paced.server.claim.slowestWithGc, unit: `of ${Math.ceil(paced.server.claim.requests / 100)}` },
          { name: `${p} paced, inside the server: GC pauses (count / max)`, value: paced.server.gc.count, unit: `(max ${paced.server.gc.maxMs.toFixed(1)} ms)` },
        ]
      : []),
  ];
}

/** The largest size against the smallest, per concurrency (SQLite): the "no slowdown" check. */
function scaling(all: readonly ClaimStep[], o: ClaimBenchOptions): Figure[] {
  const [small, large] = [Math.min(...o.sizes), Math.max(...o.sizes)];
  if (small === large) return [];
  const at = (items: number, c: number) => all.find((x) => x.dialect === "sqlite" && x.items === items && x.contractors === c);
  return o.concurrency.flatMap((c) => {
    const [a, b] = [at(small, c), at(large, c)];
    if (!a || !b) return [];
    const vs = `at ${n(large)} / at ${n(small)} items`;
    return [
      { name: `sqlite ${c} contractors: round trips ${vs}`, value: b.roundTripsPerSecond / a.roundTripsPerSecond, unit: "" },
      ...(a.paced && b.paced ? [{ name: `sqlite ${c} contractors paced: claim p50 ${vs}`, value: b.paced.claim.p50Ms / a.paced.claim.p50Ms, unit: "" }] : []),
    ];
  });
}

/** Runs the benchmark with explicit options (the smoke test uses tiny ones). */
export async function runClaimBench(o: ClaimBenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResult & { readonly steps: readonly ClaimStep[] }> {
  // Other work on the machine moves every figure here: recorded so a run can be judged.
  const loadAverage = loadavg()[0]!;
  const all = await steps(o, undefined, log);
  // A PostgreSQL failure is itself a finding: keep the SQLite figures and say what went wrong.
  let pgFailure = "";
  if (o.databaseUrl) {
    try {
      all.push(...(await steps(o, o.databaseUrl, log)));
    } catch (e) {
      pgFailure = `; the PostgreSQL run failed: ${e instanceof Error ? e.message : String(e)}`;
      log(`  ${pgFailure.slice(2)}`);
    }
  }
  // The headline: the largest queue at the highest concurrency on SQLite.
  const head = all.find((st) => st.dialect === "sqlite" && st.items === Math.max(...o.sizes) && st.contractors === Math.max(...o.concurrency))!;
  const seeding = all.filter((st, i) => all.findIndex((x) => x.dialect === st.dialect && x.items === st.items) === i);
  return {
    name: "claim",
    description: `claim-next + submit round trips over HTTP (session + CSRF), ${o.sizes.map(n).join(" and ")} items, ${o.concurrency.join(" and ")} contractors, SQLite${o.databaseUrl ? " and PostgreSQL" : ""}${pgFailure}`,
    subject: { name: `round trips, ${n(head.items)} items, ${head.contractors} contractors`, value: head.roundTripsPerSecond, unit: "/s" },
    baseline: { name: `GET /healthz, ${head.contractors} connections`, value: head.healthz.perSecond, unit: "req/s" },
    ratio: head.roundTripsPerSecond / head.healthz.perSecond,
    figures: [
      { name: "machine load average (1 min) at start", value: loadAverage, unit: `(${availableParallelism()} cores)` },
      ...all.flatMap(figuresOf),
      ...seeding.map((st) => ({ name: `${st.dialect}: seeding ${n(st.items)} sealed items`, value: st.seedSeconds, unit: "s" })),
      ...scaling(all, o),
    ],
    goal: "claim p99 < 10 ms at 200 contractors on SQLite (see the paced figures); no slowdown between 10,000 and 1,000,000 items",
    steps: all,
  };
}

export const claimBench: Benchmark = {
  name: "claim",
  description: "claim-next + submit round trips over HTTP vs GET /healthz",
  run: async () => {
    const duration = Number(process.env["BENCH_CLAIM_DURATION_MS"] ?? 5000);
    const { steps: _steps, ...result } = await runClaimBench(
      {
        sizes: list(process.env["BENCH_CLAIM_ITEMS"], [10_000, 1_000_000]),
        concurrency: list(process.env["BENCH_CLAIM_CONCURRENCY"], [50, 200]),
        durationMs: duration,
        rounds: Math.max(1, Number(process.env["BENCH_CLAIM_ROUNDS"] ?? 5)),
        warmupMs: Math.min(1000, duration / 2),
        thinkMs: Number(process.env["BENCH_CLAIM_THINK_MS"] ?? 5000),
        databaseUrl: process.env["BENCH_DATABASE_URL"] || undefined,
      },
      (line) => console.log(line),
    );
    return result;
  },
};
