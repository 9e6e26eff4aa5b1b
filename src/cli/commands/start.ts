/** `sealroom start`: migrate, seed the demo on first start, serve HTTP until stopped. */
import { z } from "zod";
import { SealroomError, isSealroomError } from "../../domain/errors.js";
import { bootServices } from "../../launcher/services.js";
import { startAssistDrafter, type AssistDrafter } from "../../launcher/assist-drafter.js";
import { startGatewayLink, type GatewayLink } from "../../launcher/gateway-link.js";
import { startServer, type RunningServer } from "../../launcher/server.js";
import { createLogger } from "../../log/logger.js";
import { seedDemo, type DemoAccount } from "../../services/demo.js";
import { forgetGatewayPort, recordGatewayPort } from "../../services/gateway-address.js";
import { hasAccounts } from "../../services/users.js";
import { parseCommandArgs, type CliIo, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags } from "../common.js";

const schema = z.object({
  ...storeFlags,
  port: z.string().regex(/^\d{1,5}$/, "must be a port number").optional(),
  "gateway-port": z.string().regex(/^\d{1,5}$/, "must be a port number").optional(),
  host: z.string().min(1).optional(),
  "gateway-host": z.string().min(1).optional(),
  "gateway-netns": z.string().min(1).optional(),
  "no-demo": z.boolean().optional(),
  _: z.array(z.string()).max(0, "start takes no positional arguments"),
});

function printAccounts(io: CliIo, url: string, accounts: readonly DemoAccount[]): void {
  const width = Math.max(...accounts.map((a) => a.email.length));
  io.out(
    [
      "",
      "Demo workspace created: tenant 'Demo Lab' (demo-lab), project 'demo-claims' with 30 sample items.",
      "These passwords are shown once. Operator and lab admin must enrol an authenticator app at first sign-in.",
      "",
      ...accounts.map((a) => `  ${a.role.padEnd(12)} ${a.email.padEnd(width)}  ${a.password}`),
      "",
      `Sign in at ${url} (POST /api/auth/login).`,
      "",
    ].join("\n"),
  );
}

export const startCommand: Command = {
  name: "start",
  summary: "Start Sealroom (HTTP API) on this machine",
  help: `Usage: sealroom start [options]

Starts Sealroom: applies migrations, creates the demo workspace on the first
start (unless --no-demo), serves the HTTP API and starts the LLM gateway as
its own process (see docs/GATEWAY.md), until SIGTERM or Ctrl-C.

Options:
  --port N              port to listen on (env SEALROOM_PORT, default 7400)
  --gateway-port N      port of the LLM gateway (env SEALROOM_GATEWAY_PORT, default 7401)
  --host ADDR           address to listen on (env SEALROOM_HOST, default 127.0.0.1)
  --gateway-host ADDR   address the gateway listens on (env SEALROOM_GATEWAY_HOST, default: --host)
  --gateway-netns NAME  run the gateway inside this network namespace, as user nobody
                        (env SEALROOM_GATEWAY_NETNS; needs root; see docs/GATEWAY.md)
  --no-demo             do not create the demo workspace
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, { ...STORE_OPTIONS, port: { type: "string" }, "gateway-port": { type: "string" }, host: { type: "string" }, "gateway-host": { type: "string" }, "gateway-netns": { type: "string" }, "no-demo": { type: "boolean" } }, schema);
    const config = configFrom(flags, {
      ...(flags.port ? { SEALROOM_PORT: flags.port } : {}),
      ...(flags["gateway-port"] ? { SEALROOM_GATEWAY_PORT: flags["gateway-port"] } : {}),
      ...(flags.host ? { SEALROOM_HOST: flags.host } : {}),
      ...(flags["gateway-host"] ? { SEALROOM_GATEWAY_HOST: flags["gateway-host"] } : {}),
      ...(flags["gateway-netns"] ? { SEALROOM_GATEWAY_NETNS: flags["gateway-netns"] } : {}),
    });
    const log = createLogger(config.logLevel);
    const s = await bootServices(config, { log, store: { backgroundCheckpoints: true } });
    let server: RunningServer | undefined;
    let gateway: GatewayLink | undefined;
    let drafter: AssistDrafter | undefined;
    try {
      const accounts = flags["no-demo"] ? undefined : await seedDemo(s);
      const started = await startServer(s);
      server = started;
      gateway = await startGatewayLink(s, { host: config.gatewayHost, port: config.gatewayPort, netns: config.gatewayNetns }).catch(async (e: unknown) => {
        await started.stop();
        if (e instanceof Error && /EADDRINUSE/.test(e.message)) throw new SealroomError("config_invalid", `Gateway port ${config.gatewayPort} is already in use: choose another with --gateway-port or SEALROOM_GATEWAY_PORT.`);
        throw e;
      });
      // Where the core's own calls and one-shot commands find the gateway when its port is chosen at random.
      recordGatewayPort(config.dataDir, Number(new URL(gateway.url).port));
      drafter = startAssistDrafter(s, { intervalMs: config.assistIntervalMs });
      log.info("sealroom started", { url: server.url, gateway: gateway.url, storage: s.store.describe });
      io.out(
        `Sealroom is running at ${server.url}\n  gateway: ${gateway.url} (OpenAI SDK base URL ${gateway.url}/v1, Anthropic SDK base URL ${gateway.url})\n  storage: ${s.store.describe}\n  master key file: ${config.keyFile} (keep it out of backups of the data folder)\n`,
      );
      if (accounts) printAccounts(io, server.url, accounts);
      else if (!(await hasAccounts(s))) io.out("No accounts yet. Create the operator with: npx sealroom operator create --email you@example.com\n");
    } catch (e) {
      if (!server) await s.store.close();
      if (isSealroomError(e)) throw e;
      const code = (e as { code?: string }).code;
      if (code === "EADDRINUSE") throw new SealroomError("config_invalid", `Port ${config.port} is already in use: choose another with --port or SEALROOM_PORT.`);
      throw e;
    }
    const running = server;
    const runningGateway = gateway;
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info("shutting down", { signal });
        forgetGatewayPort(config.dataDir, Number(new URL(runningGateway.url).port));
        // The drafter first (its calls go through the gateway), then the gateway (its last usage reports
        // are recorded while the store is still open), then the server and the store.
        (drafter?.stop() ?? Promise.resolve())
          .then(() => runningGateway.stop())
          .catch(() => undefined)
          .then(() => running.stop())
          .then(resolve, resolve);
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
    return 0;
  },
};
