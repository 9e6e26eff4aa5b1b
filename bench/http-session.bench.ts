/**
 * http-session: what authentication costs per request. Signed-in GET /api/me
 * (cookie → session lookup → user and memberships) against GET /healthz on the
 * same server in the same run, 50 concurrent connections on loopback.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, withConfig } from "../src/config/config.js";
import { startServer } from "../src/launcher/server.js";
import { bootServices } from "../src/launcher/services.js";
import { createLogger } from "../src/log/logger.js";
import { LocalKek } from "../src/seal/kek.js";
import { TERMINAL } from "../src/services/context.js";
import { createUser } from "../src/services/users.js";
import type { Benchmark } from "./harness.js";
import { load } from "./load.js";

const DURATION_MS = Number(process.env["BENCH_DURATION_MS"] ?? 5000);

export const httpSession: Benchmark = {
  name: "http-session",
  description: "authenticated GET /api/me vs GET /healthz, 50 connections, SQLite",
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "sealroom-bench-"));
    const config = withConfig(loadConfig({ SEALROOM_DATA_DIR: dir, SEALROOM_PORT: "0", SEALROOM_LOG_LEVEL: "silent" }), {});
    const s = await bootServices(config, { log: createLogger("silent"), kek: LocalKek.fromBytes(randomBytes(32)) });
    const server = await startServer(s);
    try {
      const password = "benchmark password 123456";
      await s.store.transaction((tx) => createUser(s, tx, { email: "bench@example.test", displayName: "Bench", password }, TERMINAL));
      const res = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "bench@example.test", password }) });
      const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
      await load(`${server.url}/healthz`, { concurrency: 10, durationMs: 500 });
      const base = await load(`${server.url}/healthz`, { concurrency: 50, durationMs: DURATION_MS });
      const me = await load(`${server.url}/api/me`, { concurrency: 50, durationMs: DURATION_MS, headers: { cookie } });
      if (me.errors > 0 || base.errors > 0) throw new Error(`errors during the run: /api/me ${me.errors}, /healthz ${base.errors}`);
      return {
        name: "http-session",
        description: this.description,
        subject: { name: "GET /api/me (signed in)", value: me.perSecond, unit: "req/s" },
        baseline: { name: "GET /healthz", value: base.perSecond, unit: "req/s" },
        ratio: me.perSecond / base.perSecond,
        figures: [
          { name: "/api/me p50", value: me.p50Ms, unit: "ms" },
          { name: "/api/me p99", value: me.p99Ms, unit: "ms" },
          { name: "/healthz p50", value: base.p50Ms, unit: "ms" },
          { name: "/healthz p99", value: base.p99Ms, unit: "ms" },
        ],
      };
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
