/**
 * Runs the HTTP server of the core until SIGTERM/SIGINT, then stops taking
 * connections, lets in-flight requests finish, and closes the database.
 * While it runs, audit tree heads are signed on a timer (head-signer.ts).
 */
import { serve, type ServerType } from "@hono/node-server";
import { createApp } from "../http/app.js";
import type { Services } from "../services/context.js";
import { startHeadSigner } from "./head-signer.js";

/** How long in-flight requests get to finish after SIGTERM. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** Graceful stop: no new connections, in-flight requests finish, then the store closes. */
  stop(): Promise<void>;
}

/** Starts listening on config.host:config.port (port 0 picks a free one). */
export async function startServer(s: Services): Promise<RunningServer> {
  const app = createApp(s);
  const server: ServerType = await new Promise((resolve, reject) => {
    const srv = serve({ fetch: app.fetch, hostname: s.config.host, port: s.config.port }, () => resolve(srv));
    srv.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : s.config.port;
  const host = s.config.host.includes(":") ? `[${s.config.host}]` : s.config.host;
  const signer = startHeadSigner(s, s.config.auditHeadIntervalMs);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const signerStopped = signer.stop();
      await new Promise<void>((resolve) => {
        // Keep-alive sockets would hold close() open: drop each one as soon as it goes idle
        // (in-flight requests still finish), and cut whatever is left after the grace period.
        const sweep = setInterval(() => "closeIdleConnections" in server && server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => "closeAllConnections" in server && server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve();
        });
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      });
      await signerStopped;
      await s.store.close();
    })());
  return { url: `http://${host}:${port}`, port, stop };
}
