/**
 * The gateway process. Started by the launcher as
 *   node --experimental-permission --allow-fs-read=<this folder> main.js --host H --port P
 * with an empty environment. Reads only --host and --port from argv; its
 * configuration (provider keys included) arrives on stdin, and it refuses to
 * run unless the permission model is on and denies writes, child processes
 * and workers. It exits when stdin closes (the core is gone).
 */
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { messageType } from "./config.js";
import { EventWriter, readLines } from "./control.js";
import type { ReadyEvent } from "./events.js";
import { createGatewayServer } from "./server.js";

function fatal(message: string, code: number): never {
  process.stdout.write(`${JSON.stringify({ type: "log", level: "error", msg: message })}\n`);
  process.exit(code);
}

function args(): { host: string; port: number } {
  let values: { host?: string | undefined; port?: string | undefined };
  try {
    values = parseArgs({ args: process.argv.slice(2), options: { host: { type: "string" }, port: { type: "string" } }, strict: true }).values;
  } catch {
    fatal("usage: main.js --host ADDRESS --port N", 64);
  }
  const host = values.host ?? "127.0.0.1";
  const port = Number(values.port ?? "0");
  if (host !== "localhost" && isIP(host) === 0) fatal("--host must be an IP address or localhost", 64);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fatal("--port must be 0..65535", 64);
  return { host, port };
}

/** What the permission model says about this process, from the inside. */
function permissionReport(): ReadyEvent["permission"] {
  const p = (process as { permission?: { has(scope: string, reference?: string): boolean } }).permission;
  if (!p) return { enabled: false, fsReadOutside: true, fsWrite: true, childProcess: true, worker: true };
  return { enabled: true, fsReadOutside: p.has("fs.read", "/etc/passwd"), fsWrite: p.has("fs.write"), childProcess: p.has("child"), worker: p.has("worker") };
}

const { host, port } = args();
const permission = permissionReport();
if (!permission.enabled || permission.fsWrite || permission.childProcess || permission.worker || permission.fsReadOutside) {
  fatal("refusing to run: start the gateway under --experimental-permission with read access to its own folder only", 78);
}

const out = new EventWriter(process.stdout);
const gateway = createGatewayServer({ emit: (e) => out.send(e), backlogged: () => out.backlogged() });

readLines(
  process.stdin,
  (line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      out.send({ type: "nack", version: null, error: "the control line is not JSON" });
      return;
    }
    if (messageType(message) !== "config") {
      out.send({ type: "nack", version: null, error: "unknown control message type" });
      return;
    }
    const r = gateway.applyConfig(message);
    out.send(r.ok ? { type: "ack", version: r.version } : { type: "nack", version: null, error: r.error });
  },
  () => out.send({ type: "nack", version: null, error: "the control line is too long" }),
);

let stopping = false;
function stop(reason: string): void {
  if (stopping) return;
  stopping = true;
  out.send({ type: "log", level: "info", msg: "gateway stopping", reason });
  void gateway.close().then(() => {
    out.flush();
    process.stdout.end(() => process.exit(0));
  });
}
process.stdin.on("end", () => stop("control channel closed"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
process.on("uncaughtException", (e) => fatal(`uncaught ${e.name}`, 70));

gateway.server.on("error", (e: NodeJS.ErrnoException) => fatal(`cannot listen: ${e.code ?? "error"}`, 69));
gateway.server.listen(port, host, () => {
  const address = gateway.server.address();
  out.send({ type: "ready", port: typeof address === "object" && address ? address.port : port, pid: process.pid, permission });
});
