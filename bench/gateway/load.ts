/**
 * The gateway benchmark's load generator: closed-loop POSTs with a JSON body
 * over keep-alive connections (node:http), `concurrency` in flight at all
 * times, recording for each request the time to the first body bytes (time
 * to first token, for streams) and to the end. Loopback only.
 */
import { Agent, request } from "node:http";
import { percentile } from "../harness.js";

export interface PostLoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Time to the first body bytes (for streams: the first event). */
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
}

/** Runs the loop for `durationMs`; a response is an error unless 200 and (for streams) ending in [DONE]. */
export async function postLoad(
  url: string,
  body: string,
  opts: { concurrency: number; durationMs: number; headers?: Record<string, string>; stream: boolean },
): Promise<PostLoadResult> {
  const target = new URL(url);
  if (!["127.0.0.1", "localhost"].includes(target.hostname)) throw new Error("load generator targets loopback only");
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const payload = Buffer.from(body);
  const headers = { "content-type": "application/json", "content-length": String(payload.length), ...(opts.headers ?? {}) };
  const latencies: number[] = [];
  const ttfts: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request(target, { method: "POST", agent, headers }, (res) => {
        let first = 0;
        let last: Buffer | undefined;
        res.on("data", (d: Buffer) => {
          if (first === 0) first = performance.now();
          last = d;
        });
        res.on("end", () => {
          const ok = res.statusCode === 200 && (!opts.stream || (last !== undefined && last.toString("latin1").endsWith("[DONE]\n\n")));
          if (!ok) errors++;
          else {
            latencies.push(performance.now() - t0);
            ttfts.push(first - t0);
          }
          resolve();
        });
        res.on("error", () => {
          errors++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(payload);
    });
  const loop = async () => {
    while (performance.now() < deadline) await one();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  ttfts.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ttftP50Ms: percentile(ttfts, 50),
    ttftP99Ms: percentile(ttfts, 99),
  };
}
