/**
 * The body limit over a real socket, where JSON bodies are read from Node's
 * request stream (http/body.ts) rather than through the web Request that
 * in-process tests use: a declared length over the limit, a chunked body
 * that runs over it, the connection still serving the next request after a
 * refusal, response headers on success and error alike, and a body within
 * the limit read intact (multi-byte characters split across chunks).
 */
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withConfig } from "../../src/config/config.js";
import { startServer, type RunningServer } from "../../src/launcher/server.js";
import { readBodyText } from "../../src/http/body.js";
import type { AppEnv } from "../../src/http/route.js";
import { makeServices, type TestContext } from "../support/services.js";

const LIMIT = 2048;
let t: TestContext;
let server: RunningServer;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  t = await makeServices({ bodyLimitBytes: LIMIT });
  server = await startServer({ ...t.s, config: withConfig(t.s.config, { port: 0 }) });
});
afterAll(async () => {
  agent.destroy();
  await server.stop();
  await t.close().catch(() => undefined);
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code: string } };
  socket: unknown;
}

/** POSTs `chunks` one write at a time (chunked unless `declare`), on the shared keep-alive agent. */
function post(path: string, chunks: Buffer[], declare: boolean): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (declare) headers["content-length"] = String(chunks.reduce((n, c) => n + c.byteLength, 0));
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: "POST", agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Answer["body"], socket: req.socket }));
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe("request bodies over a real socket", () => {
  it("a declared length over the limit is 413 before the body is read", async () => {
    const big = json({ email: "a@test.dev", password: "x".repeat(LIMIT) });
    const r = await post("/api/auth/login", [big], true);
    expect([r.status, r.body.error?.code]).toEqual([413, "payload_too_large"]);
  });

  it("a chunked body that runs over the limit is 413, and the same connection serves the next request", async () => {
    const big = json({ email: "a@test.dev", password: "x".repeat(3 * LIMIT) });
    const parts = [big.subarray(0, 1000), big.subarray(1000, 3000), big.subarray(3000)];
    const refused = await post("/api/auth/login", parts, false);
    expect([refused.status, refused.body.error?.code]).toEqual([413, "payload_too_large"]);
    const next = await post("/api/auth/login", [json({ email: "nobody@test.dev", password: "not the password at all" })], true);
    expect([next.status, next.body.error?.code]).toEqual([401, "invalid_credentials"]);
    expect(next.socket).toBe(refused.socket);
  });

  it("a body within the limit is read whole, a multi-byte character split across two writes included", async () => {
    // readBodyText on a bare node:http server, echoing what it read.
    const echo = createServer((req, res) => {
      const c = { env: { incoming: req }, req: { header: () => undefined } } as unknown as Context<AppEnv>;
      readBodyText(c, LIMIT).then(
        (text) => res.end(JSON.stringify({ text })),
        (e: Error) => res.end(JSON.stringify({ error: e.message })),
      );
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    try {
      const body = Buffer.from('{"name":"Zoë Ångström"}');
      const at = body.indexOf(0xc3) + 1; // inside the two bytes of "ë"
      const text = await new Promise<string>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: (echo.address() as AddressInfo).port, method: "POST" }, (res) => {
          let out = "";
          res.setEncoding("utf8").on("data", (d: string) => (out += d));
          res.on("end", () => resolve((JSON.parse(out) as { text: string }).text));
        });
        req.on("error", reject);
        req.write(body.subarray(0, at));
        setTimeout(() => req.end(body.subarray(at)), 20);
      });
      expect(text).toBe('{"name":"Zoë Ångström"}');
    } finally {
      await new Promise((r) => echo.close(r));
    }
  });

  it("success and error responses both carry the no-store and hardening headers and a request id", async () => {
    const ok = await new Promise<Answer["headers"]>((resolve, reject) => {
      request(`${server.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.headers));
      })
        .on("error", reject)
        .end();
    });
    const err = (await post("/api/auth/login", [Buffer.from("{not json")], true)).headers;
    for (const h of [ok, err]) {
      expect(h["cache-control"]).toBe("no-store");
      expect(h["x-content-type-options"]).toBe("nosniff");
      expect(h["referrer-policy"]).toBe("no-referrer");
      expect(h["x-frame-options"]).toBe("DENY");
      expect(h["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
