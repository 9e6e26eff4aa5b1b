/**
 * gateway: what the LLM gateway costs. One run on loopback against one mock
 * upstream (OpenAI format, fixed small delay), four ways in:
 *   direct (no proxy) · a minimal node:http pass-through (keep-alive agent,
 *   piping bytes) · Sealroom's gateway (its real process: permission model,
 *   auth, limits, routing, usage records over stdout) · Portkey's
 *   open-source gateway (installed from npm into a temporary folder,
 *   --headless, held to loopback).
 * Non-streaming and streaming at 50 connections each (each target measured
 * BENCH_ROUNDS times, interleaved, median reported): requests/s, p50/p99
 * latency added over direct, time to first token (first body bytes) added,
 * and each proxy process's peak RSS and CPU time per request. At 50
 * connections on a small machine every process competes for the same cores,
 * so latencies there are mostly queueing; the same latencies at 1 connection
 * show what a proxy adds to a request by itself. Last, a soak: BENCH_GATEWAY_SOAK_MS (default 60000) of
 * load through Sealroom's gateway, non-streaming and streaming in turn every
 * 5 s, with the gateway's resident memory read at the start, after each turn
 * and at the end (flat memory over a long run is a goal of its own).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Benchmark, Figure } from "./harness.js";
import { postLoad, type PostLoadResult } from "./gateway/load.js";

const DURATION_MS = Number(process.env["BENCH_DURATION_MS"] ?? 5000);
const DELAY_MS = Number(process.env["BENCH_UPSTREAM_DELAY_MS"] ?? 2);
const CONCURRENCY = 50;
/** Each target is measured this many times, interleaved with the others; the median run is reported (shared machines drift). */
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);
const HERE = join(import.meta.dirname, "gateway");
const SOAK_MS = Number(process.env["BENCH_GATEWAY_SOAK_MS"] ?? 60_000);
const SOAK_TURN_MS = 5000;

interface Proc {
  readonly port: number;
  readonly pid: number;
  stop(): void;
}

/** Starts a helper script that prints {"port":N[,"pid":P]} (P: the process serving the port, when not the script itself). */
function startScript(script: string, args: string[], execArgv: string[] = []): Promise<Proc & { child: ChildProcess }> {
  const child = spawn(process.execPath, [...execArgv, join(HERE, script), ...args], { stdio: ["ignore", "pipe", "inherit"], env: { PATH: process.env["PATH"] ?? "" } });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => {
      const ready = JSON.parse(d.toString().split("\n")[0]!) as { port: number; pid?: number };
      resolve({ port: ready.port, pid: ready.pid ?? child.pid!, child, stop: () => child.kill("SIGTERM") });
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Installs and starts Portkey's gateway, or says why it could not. */
async function startPortkey(): Promise<(Proc & { dir: string }) | { unavailable: string }> {
  const dir = mkdtempSync(join(tmpdir(), "sealroom-bench-portkey-"));
  const npm = spawnSync("npm", ["install", "--prefix", dir, "@portkey-ai/gateway", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], { encoding: "utf8", timeout: 240_000 });
  if (npm.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `npm install @portkey-ai/gateway failed: ${(npm.stderr || npm.error?.message || "").trim().split("\n").at(-1) ?? "unknown"}` };
  }
  const version = (JSON.parse(readFileSync(join(dir, "node_modules/@portkey-ai/gateway/package.json"), "utf8")) as { version: string }).version;
  const port = await freePort();
  const entry = join(dir, "node_modules/@portkey-ai/gateway/build/start-server.js");
  const child: ChildProcess = spawn(process.execPath, ["--import", pathToFileURL(join(HERE, "loopback-only.mjs")).href, entry, "--headless", `--port=${port}`], {
    cwd: dir,
    stdio: "ignore",
    env: { PATH: process.env["PATH"] ?? "", NODE_ENV: "production" },
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return { unavailable: `Portkey ${version} exited with ${child.exitCode} at start` };
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) {
      console.log(`portkey: @portkey-ai/gateway ${version} listening on 127.0.0.1:${port}`);
      return { port, pid: child.pid!, dir, stop: () => child.kill("SIGTERM") };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill("SIGKILL");
  return { unavailable: `Portkey ${version} did not answer within 30 s` };
}

/** A process's resident set size in MiB: now (VmRSS) or its peak (VmHWM). */
function rssMiB(pid: number, which: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${which}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}
const peakRssMiB = (pid: number) => rssMiB(pid, "VmHWM");

/** CPU time (user + system) a process has used, in ms (clock ticks of 10 ms on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Load through `t` for SOAK_MS, non-streaming and streaming in turn; the gateway's RSS before, after each turn and at the end. */
async function soak(t: Target & { pid: number }, bodies: { json: string; stream: string }): Promise<{ calls: number; errors: number; rss: number[] }> {
  const rss = [rssMiB(t.pid, "VmRSS")];
  let calls = 0;
  let errors = 0;
  for (let turn = 0; turn * SOAK_TURN_MS < SOAK_MS; turn++) {
    const stream = turn % 2 === 1;
    const r = await postLoad(t.url, stream ? bodies.stream : bodies.json, { concurrency: CONCURRENCY, durationMs: Math.min(SOAK_TURN_MS, SOAK_MS - turn * SOAK_TURN_MS), headers: t.headers, stream });
    calls += r.requests;
    errors += r.errors;
    rss.push(rssMiB(t.pid, "VmRSS"));
    console.log(`soak ${((turn + 1) * SOAK_TURN_MS) / 1000}s: ${calls} calls, gateway RSS ${rss.at(-1)!.toFixed(1)} MiB`);
  }
  return { calls, errors, rss };
}

/** One request, to see whether a target works at all in this mode (and why not). */
async function probe(t: Target, body: string, stream: boolean): Promise<string | undefined> {
  try {
    const r = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json", ...t.headers }, body });
    const text = await r.text();
    if (r.status === 200 && (!stream || text.trimEnd().endsWith("data: [DONE]"))) return undefined;
    return `answered ${r.status}: ${text.slice(0, 120).replace(/\s+/g, " ")}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly pid?: number;
}

export const gatewayBench: Benchmark = {
  name: "gateway",
  description: `OpenAI-format chat through each proxy vs direct, ${CONCURRENCY} connections, mock upstream with a ${DELAY_MS} ms delay`,
  async run() {
    const mock = await startScript("mock-server.mjs", [String(DELAY_MS)]);
    const pass = await startScript("passthrough.mjs", [String(mock.port)]);
    const secret = `sk-sr-${randomBytes(32).toString("base64url")}`;
    // The gateway runs as the launcher starts it; its reports are consumed in a stand-in core process.
    const host = await startScript("sealroom-host.ts", [String(mock.port), createHash("sha256").update(secret).digest("hex")], ["--import", "tsx"]);
    const gw = { url: `http://127.0.0.1:${host.port}`, pid: host.pid };
    const portkey = await startPortkey();
    const targets: Target[] = [
      { name: "direct", url: `http://127.0.0.1:${mock.port}/v1/chat/completions`, headers: {} },
      { name: "node:http pass-through", url: `http://127.0.0.1:${pass.port}/v1/chat/completions`, headers: {}, pid: pass.pid },
      { name: "sealroom gateway", url: `${gw.url}/v1/chat/completions`, headers: { authorization: `Bearer ${secret}` }, pid: gw.pid },
    ];
    if ("port" in portkey) {
      targets.push({
        name: "portkey gateway",
        url: `http://127.0.0.1:${portkey.port}/v1/chat/completions`,
        headers: { authorization: "Bearer sk-bench-provider-key", "x-portkey-provider": "openai", "x-portkey-custom-host": `http://127.0.0.1:${mock.port}/v1` },
        pid: portkey.pid,
      });
    }
    const results = new Map<string, PostLoadResult>();
    /** Per mode, each round's sealroom / pass-through throughput: paired, so drift between rounds cancels out. */
    const paired = new Map<string, Array<{ sealroom: number; pass: number }>>();
    const idle = new Map<string, PostLoadResult>();
    /** CPU time each proxy process used in the measured rounds, and the requests it served. */
    const cpu = new Map<string, { ms: number; requests: number }>();
    const unavailable: string[] = [];
    try {
      const bodyOf = (stream: boolean) => JSON.stringify({ model: "gpt-bench", messages: [{ role: "user", content: "Say something short." }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
      for (const stream of [false, true]) {
        const mode = stream ? "stream" : "json";
        const body = bodyOf(stream);
        const live: Target[] = [];
        for (const t of targets) {
          const broken = await probe(t, body, stream);
          if (broken) {
            unavailable.push(`${t.name} ${mode}: ${broken}`);
            console.log(`${t.name.padEnd(24)} ${mode.padEnd(6)} unavailable: ${broken}`);
            continue;
          }
          live.push(t);
          idle.set(`${t.name}/${mode}`, await postLoad(t.url, body, { concurrency: 1, durationMs: Math.min(2000, DURATION_MS), headers: t.headers, stream }));
          await postLoad(t.url, body, { concurrency: 10, durationMs: 1000, headers: t.headers, stream });
        }
        const runs = new Map<string, PostLoadResult[]>();
        for (let round = 0; round < ROUNDS; round++) {
          for (const t of live) {
            const before = t.pid === undefined ? 0 : cpuMs(t.pid);
            const r = await postLoad(t.url, body, { concurrency: CONCURRENCY, durationMs: DURATION_MS, headers: t.headers, stream });
            runs.set(t.name, [...(runs.get(t.name) ?? []), r]);
            if (t.pid !== undefined) {
              const c = cpu.get(`${t.name}/${mode}`) ?? { ms: 0, requests: 0 };
              cpu.set(`${t.name}/${mode}`, { ms: c.ms + cpuMs(t.pid) - before, requests: c.requests + r.requests });
            }
            console.log(`${t.name.padEnd(24)} ${mode.padEnd(6)} round ${round + 1}: ${r.perSecond.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  ttft p50 ${r.ttftP50Ms.toFixed(2)} ms  errors ${r.errors}`);
          }
        }
        const sr = runs.get("sealroom gateway") ?? [];
        const pt = runs.get("node:http pass-through") ?? [];
        paired.set(mode, sr.map((r, i) => ({ sealroom: r.perSecond, pass: pt[i]?.perSecond ?? Number.NaN })));
        for (const [name, list] of runs) {
          // Each figure's own median across rounds (a round's outlier p99 does not ride along with its throughput).
          const median = (pick: (r: PostLoadResult) => number) => [...list].map(pick).sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
          results.set(`${name}/${mode}`, {
            requests: list.reduce((n, r) => n + r.requests, 0),
            errors: list.reduce((n, r) => n + r.errors, 0),
            perSecond: median((r) => r.perSecond),
            p50Ms: median((r) => r.p50Ms),
            p99Ms: median((r) => r.p99Ms),
            ttftP50Ms: median((r) => r.ttftP50Ms),
            ttftP99Ms: median((r) => r.ttftP99Ms),
          });
        }
      }
      const figures: Figure[] = [];
      const get = (name: string, mode: string) => results.get(`${name}/${mode}`);
      for (const mode of ["json", "stream"]) {
        const direct = get("direct", mode)!;
        const directIdle = idle.get(`direct/${mode}`)!;
        for (const t of targets) {
          const r = get(t.name, mode);
          const i = idle.get(`${t.name}/${mode}`);
          if (!r || !i) continue;
          figures.push({ name: `${t.name} ${mode}: throughput`, value: r.perSecond, unit: "req/s" });
          if (t.name !== "direct") {
            figures.push({ name: `${t.name} ${mode}: added p50`, value: r.p50Ms - direct.p50Ms, unit: "ms" });
            figures.push({ name: `${t.name} ${mode}: added p99`, value: r.p99Ms - direct.p99Ms, unit: "ms" });
            if (mode === "stream") figures.push({ name: `${t.name} ${mode}: added time to first token (p50)`, value: r.ttftP50Ms - direct.ttftP50Ms, unit: "ms" });
            figures.push({ name: `${t.name} ${mode}, 1 connection: added p50`, value: i.p50Ms - directIdle.p50Ms, unit: "ms" });
            if (mode === "stream") figures.push({ name: `${t.name} ${mode}, 1 connection: added time to first token (p50)`, value: i.ttftP50Ms - directIdle.ttftP50Ms, unit: "ms" });
          } else if (mode === "stream") {
            figures.push({ name: "direct stream: time to first token (p50)", value: r.ttftP50Ms, unit: "ms" });
            figures.push({ name: "direct stream, 1 connection: time to first token (p50)", value: i.ttftP50Ms, unit: "ms" });
          }
          const c = cpu.get(`${t.name}/${mode}`);
          // Where the cores are saturated, throughput follows this rather than latency.
          if (c && c.requests > 0) figures.push({ name: `${t.name} ${mode}: CPU per request (user + system)`, value: (c.ms * 1000) / c.requests, unit: "µs" });
          if (r.errors > 0) figures.push({ name: `${t.name} ${mode}: errors`, value: r.errors, unit: "responses" });
        }
      }
      for (const t of targets) if (t.pid !== undefined) figures.push({ name: `${t.name}: peak RSS`, value: peakRssMiB(t.pid), unit: "MiB" });
      if (SOAK_MS > 0) {
        const soaked = await soak({ ...targets.find((t) => t.name === "sealroom gateway")!, pid: gw.pid }, { json: bodyOf(false), stream: bodyOf(true) });
        const [first, last] = [soaked.rss[0]!, soaked.rss.at(-1)!];
        figures.push(
          { name: `soak (${SOAK_MS / 1000} s, sealroom gateway): calls`, value: soaked.calls, unit: "calls" },
          { name: "soak: gateway RSS at start", value: first, unit: "MiB" },
          { name: "soak: gateway RSS at end", value: last, unit: "MiB" },
          { name: "soak: gateway RSS, highest reading", value: Math.max(...soaked.rss), unit: "MiB" },
          { name: "soak: gateway RSS end / start", value: last / first, unit: "×" },
          ...(soaked.errors > 0 ? [{ name: "soak: errors", value: soaked.errors, unit: "responses" }] : []),
        );
      }
      const sr = get("sealroom gateway", "json")!;
      const srStream = get("sealroom gateway", "stream")!;
      const medianRound = (mode: string) => {
        const rounds = [...(paired.get(mode) ?? [])].sort((a, b) => a.sealroom / a.pass - b.sealroom / b.pass);
        return { median: rounds[Math.floor(rounds.length / 2)]!, low: rounds[0]!, high: rounds.at(-1)! };
      };
      const json = medianRound("json");
      const streamed = medianRound("stream");
      figures.push({ name: "sealroom / pass-through (non-streaming), lowest round", value: json.low.sealroom / json.low.pass, unit: "×" });
      figures.push({ name: "sealroom / pass-through (non-streaming), highest round", value: json.high.sealroom / json.high.pass, unit: "×" });
      figures.push({ name: "sealroom / pass-through (streaming), median round", value: streamed.median.sealroom / streamed.median.pass, unit: "×" });
      figures.push({ name: "sealroom / pass-through (streaming), lowest round", value: streamed.low.sealroom / streamed.low.pass, unit: "×" });
      figures.push({ name: "sealroom / pass-through (streaming), highest round", value: streamed.high.sealroom / streamed.high.pass, unit: "×" });
      const pk = get("portkey gateway", "json");
      const pkStream = get("portkey gateway", "stream");
      if (pk) figures.push({ name: "sealroom / portkey (non-streaming)", value: sr.perSecond / pk.perSecond, unit: "×" });
      if (pkStream) figures.push({ name: "sealroom / portkey (streaming)", value: srStream.perSecond / pkStream.perSecond, unit: "×" });
      const usage = await new Promise<number>((resolve) => {
        let out = "";
        host.child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
        host.child.once("exit", () => resolve((JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { usage?: number }).usage ?? Number.NaN));
        host.stop();
      });
      figures.push({ name: "usage records received from the sealroom gateway", value: usage, unit: "records" });
      return {
        name: "gateway",
        description: [this.description, ...("unavailable" in portkey ? [`portkey unavailable: ${portkey.unavailable}`] : []), ...unavailable.map((u) => `unavailable: ${u}`)].join("; "),
        // The round whose sealroom / pass-through ratio is the median of the rounds (same round for both).
        subject: { name: "sealroom gateway, non-streaming (median round)", value: json.median.sealroom, unit: "req/s" },
        baseline: { name: "node:http pass-through, non-streaming (same round)", value: json.median.pass, unit: "req/s" },
        ratio: json.median.sealroom / json.median.pass,
        figures,
        goal: "sealroom ≥ 0.9 × pass-through throughput, ≥ 2 × portkey, ≤ 1 ms added time to first token",
      };
    } finally {
      host.stop();
      pass.stop();
      mock.stop();
      if ("port" in portkey) {
        portkey.stop();
        rmSync(portkey.dir, { recursive: true, force: true });
      }
    }
  },
};
