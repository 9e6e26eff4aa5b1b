/**
 * Stands in for the core during the gateway benchmark: starts Sealroom's
 * gateway with the launcher (its real process, permission model included),
 * configures it for the mock upstream, and consumes its usage reports, in a
 * process of its own, as the core would (so that work is not charged to the
 * load generator). Usage: node --import tsx sealroom-host.ts UPSTREAM_PORT KEY_HASH.
 * Prints {"port","pid"} when ready and {"usage":N} when stopped (SIGTERM).
 */
import { spawnGateway } from "../../src/launcher/gateway.js";

const [upstreamPort, keyHash] = process.argv.slice(2);
const gw = await spawnGateway({ host: "127.0.0.1", port: 0 });
let usage = 0;
gw.events.on("usage", () => usage++);
await gw.send({
  type: "config",
  version: 1,
  deployments: [{ id: "bench", tenantId: "bench", alias: "gpt-bench", provider: "openai", baseUrl: `http://127.0.0.1:${upstreamPort}/v1`, model: "gpt-bench-upstream", apiKey: "sk-bench-provider-key", weight: 1, passHeaders: [] }],
  keys: [{ id: "bench-key", hash: keyHash, tenantId: "bench", projectId: null, models: ["gpt-bench"], rpm: null, tpm: null, budgetUsdDay: null, budgetUsdMonth: null, spentUsdDay: 0, spentUsdMonth: 0, expiresAt: null, revoked: false, paused: null }],
  prices: { "gpt-bench-upstream": { inputPerMTok: 1, outputPerMTok: 2 } },
  timeouts: { requestMs: 30_000, firstByteMs: 10_000 },
  retries: { max: 2, baseMs: 50 },
});
process.stdout.write(`${JSON.stringify({ port: gw.port, pid: gw.pid })}\n`);
process.on("SIGTERM", () => {
  void gw.stop().then(() => {
    process.stdout.write(`${JSON.stringify({ usage })}\n`);
    process.exit(0);
  });
});
