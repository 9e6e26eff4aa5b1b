/**
 * A small closed-loop HTTP load generator on node:http with keep-alive
 * (loopback only). `load` repeats one GET; `loadScript` runs a script per
 * simulated client (e.g. claim, then submit the task it got) and times each
 * request under a label.
 */
import { Agent, request } from "node:http";
import { percentile } from "./harness.js";

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** One request of a script. */
export interface Exchange {
  readonly method?: string;
  /** Path (and query) on the target. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON (or other) body; sent with its content-length. */
  readonly body?: string;
  /** Drop the response body unread (the script does not need it). */
  readonly discard?: boolean;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** Sends one request, timed under `label`; undefined on a network error (counted as an error of that label). */
export type Send = (label: string, exchange: Exchange) => Promise<Reply | undefined>;

export interface ScriptResult {
  /** Scripts run to completion by all clients. */
  readonly loops: number;
  readonly loopsPerSecond: number;
  readonly seconds: number;
  /** Per label: requests, non-2xx or failed ones, rate and latency. */
  readonly byLabel: Readonly<Record<string, LoadResult>>;
  /** Per label: every latency (ms), sorted, so runs can be pooled. */
  readonly samples: Readonly<Record<string, readonly number[]>>;
}

export interface LoadOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  /**
   * Keep-alive agent to send on (the caller destroys it). Reusing one across
   * a warm-up and the measured run means the run starts on open connections
   * instead of opening `concurrency` of them at once in its first moments.
   */
  readonly agent?: Agent;
  /** A request without an answer after this long is abandoned and counted as an error (default: wait forever). */
  readonly timeoutMs?: number;
}

/**
 * Runs `concurrency` clients, each repeating `script(client, send)` until
 * `durationMs` have passed (a script under way finishes). A script that
 * throws stops the run and the error is rethrown once every client stopped.
 */
export async function loadScript(baseUrl: string, opts: LoadOptions, script: (client: number, send: Send) => Promise<void>): Promise<ScriptResult> {
  const base = new URL(baseUrl);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(base.hostname)) throw new Error("load generator targets loopback only");
  const agent = opts.agent ?? new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latencies = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const fail = (label: string) => errors.set(label, (errors.get(label) ?? 0) + 1);
  const send: Send = (label, ex) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const headers: Record<string, string> = { ...ex.headers };
      if (ex.body !== undefined) headers["content-length"] = String(Buffer.byteLength(ex.body));
      const req = request(new URL(ex.path, base), { agent, method: ex.method ?? "GET", headers }, (res) => {
        const chunks: Buffer[] = [];
        if (ex.discard) res.resume();
        else res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          let list = latencies.get(label);
          if (!list) latencies.set(label, (list = []));
          list.push(performance.now() - t0);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) fail(label);
          resolve({ status, body: Buffer.concat(chunks).toString("utf8") });
        });
      });
      req.on("error", () => {
        fail(label);
        resolve(undefined);
      });
      if (opts.timeoutMs !== undefined) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error("no answer in time")));
      req.end(ex.body);
    });
  let loops = 0;
  const started = performance.now();
  let deadline = started + opts.durationMs;
  const client = async (i: number) => {
    try {
      while (performance.now() < deadline) {
        await script(i, send);
        loops++;
      }
    } catch (e) {
      deadline = 0;
      throw e;
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: opts.concurrency }, (_, i) => client(i)));
  const seconds = (performance.now() - started) / 1000;
  if (!opts.agent) agent.destroy();
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  const byLabel: Record<string, LoadResult> = {};
  const samples: Record<string, number[]> = {};
  for (const label of new Set([...latencies.keys(), ...errors.keys()])) {
    const list = (samples[label] = (latencies.get(label) ?? []).sort((a, b) => a - b));
    byLabel[label] = { requests: list.length, errors: errors.get(label) ?? 0, perSecond: list.length / seconds, p50Ms: percentile(list, 50), p99Ms: percentile(list, 99) };
  }
  return { loops, loopsPerSecond: loops / seconds, seconds, byLabel, samples };
}

/** Runs `concurrency` loops sending GET `url` for `durationMs`; counts non-2xx as errors. */
export async function load(url: string, opts: LoadOptions & { headers?: Record<string, string> }): Promise<LoadResult> {
  const target = new URL(url);
  const exchange: Exchange = { path: `${target.pathname}${target.search}`, headers: opts.headers ?? {}, discard: true };
  const r = await loadScript(target.origin, opts, async (_client, send) => {
    await send("get", exchange);
  });
  return r.byLabel["get"] ?? { requests: 0, errors: 0, perSecond: 0, p50Ms: 0, p99Ms: 0 };
}
