/** Graceful shutdown: a request in flight when stop() is called still gets its answer; then the port is closed. */
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { withConfig } from "../../src/config/config.js";
import { startServer } from "../../src/launcher/server.js";
import { makeServices } from "../support/services.js";

describe("graceful shutdown", () => {
  it("finishes in-flight requests, refuses new connections, closes the store", async () => {
    const t = await makeServices();
    const s = { ...t.s, config: withConfig(t.s.config, { port: 0 }) };
    const server = await startServer(s);
    const body = JSON.stringify({ email: "nobody@test.dev", password: "not the password at all" });
    // A request whose headers have arrived but whose body has not: in flight by any definition.
    const req = request(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } });
    const answered = new Promise<number>((resolve, reject) => {
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    req.flushHeaders();
    await new Promise((r) => setTimeout(r, 100));
    const stopping = server.stop();
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    req.end(body);
    expect(await answered).toBe(401);
    await stopping;
    await expect(s.store.ping()).rejects.toThrow();
    await t.close().catch(() => undefined);
  });
});
