/**
 * Starts the gateway as its own process and talks to it. The child runs
 *   node --experimental-permission --allow-fs-read=<gateway folder> <folder>/main.js --host H --port P
 * with an empty environment (nothing inherited: no secrets, no NODE_OPTIONS
 * that could add --allow-child-process or preload code), no fs write, no
 * child processes, no workers; with SEALROOM_GATEWAY_NETNS, through nsenter
 * into that network namespace as user nobody (gateway-netns.ts). Its
 * configuration, provider keys included, goes over the child's stdin pipe; it
 * answers on stdout (see src/gateway/events.ts). There is no control socket.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { SealroomError } from "../domain/errors.js";
import type { GatewayEvent, ReadyEvent } from "../gateway/events.js";
import { assertConfinable, gatewayFolder, readableCopy } from "./gateway-folder.js";
import { assertInNetns, assertReachableByOthers, netnsPrefix } from "./gateway-netns.js";

/** Where the gateway listens, and which build to run. */
export interface SpawnGatewayOptions {
  readonly host: string;
  readonly port: number;
  /** The gateway's main.js (default: the installation's gateway folder). */
  readonly entry?: string;
  /** How long to wait for the gateway to listen. */
  readonly readyTimeoutMs?: number;
  /**
   * A network namespace (made with `ip netns add`) to start the gateway in,
   * as user nobody, with nsenter (needs root; see gateway-netns.ts).
   */
  readonly netns?: string | undefined;
}

/** A running gateway process. Events: "usage", "egress_denied", "log" (GatewayEvent), "exit" (code). */
export interface GatewayProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly ready: ReadyEvent;
  readonly events: EventEmitter;
  /** The exact argv the child was started with (for checks and the operator's log). */
  readonly argv: readonly string[];
  /**
   * Writes one config message and waits for its ack. A Buffer is zero-filled
   * once written, so the caller's plaintext copy of provider keys ends here.
   */
  send(message: Buffer | Readonly<Record<string, unknown>>, version?: number): Promise<void>;
  /** Recent stderr lines (Node's own warnings filtered out). */
  stderr(): string[];
  /** Stops reading the gateway's reports (flow control: the gateway then refuses calls it cannot report). */
  pauseEvents(): void;
  resumeEvents(): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** The flags the gateway must run under, and no others. */
export function gatewayArgv(folder: string, host: string, port: number): string[] {
  return ["--experimental-permission", `--allow-fs-read=${folder}`, join(folder, "main.js"), "--host", host, "--port", String(port)];
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
  });
}

/** Spawns the gateway and waits until it listens (and reports the permission model on). */
export async function spawnGateway(o: SpawnGatewayOptions): Promise<GatewayProcess> {
  // Checked first: a namespace that cannot be used stops the start before anything is built or copied.
  const prefix = o.netns ? netnsPrefix(o.netns, process.execPath) : undefined;
  const built = o.entry ? join(o.entry, "..") : await gatewayFolder();
  assertConfinable(built);
  // In a namespace the gateway runs as nobody: it reads a copy of its code that nobody may read but not write.
  const folder = prefix ? await readableCopy(built) : built;
  if (prefix) {
    assertConfinable(folder);
    assertReachableByOthers(folder, "its code", 0o005);
  }
  const argv = gatewayArgv(folder, o.host, o.port);
  const [command, args] = prefix ? [prefix.command, [...prefix.args, process.execPath, ...argv]] : [process.execPath, argv];
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { env: {}, stdio: ["pipe", "pipe", "pipe"] });
  const events = new EventEmitter();
  const acks: Array<{ version: number; resolve: () => void; reject: (e: Error) => void }> = [];
  const stderr: string[] = [];
  let exited = false;
  lines(child.stderr, (l) => {
    if (/ExperimentalWarning: Permission|--trace-warnings/.test(l)) return;
    stderr.push(l);
    if (stderr.length > 50) stderr.shift();
  });
  lines(child.stdout, (l) => {
    let e: GatewayEvent;
    try {
      e = JSON.parse(l) as GatewayEvent;
    } catch {
      return;
    }
    if (e.type === "ack" || e.type === "nack") {
      const waiting = acks.shift();
      if (e.type === "ack") waiting?.resolve();
      else waiting?.reject(new SealroomError("config_invalid", `The gateway refused configuration ${waiting?.version ?? "?"}: ${e.error}`));
    } else events.emit(e.type, e);
  });
  child.on("exit", (code) => {
    exited = true;
    for (const a of acks.splice(0)) a.reject(new SealroomError("internal", "The gateway exited."));
    events.emit("exit", code);
  });
  const ready = await new Promise<ReadyEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new SealroomError("internal", `The gateway did not start within ${o.readyTimeoutMs ?? 10_000} ms.`));
    }, o.readyTimeoutMs ?? 10_000);
    let lastLog = "";
    events.on("log", (e: { msg?: string }) => (lastLog = e.msg ?? lastLog));
    events.once("ready", (e: ReadyEvent) => {
      clearTimeout(timer);
      resolve(e);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new SealroomError("internal", `The gateway exited with code ${code} before listening: ${lastLog || stderr.at(-1) || "no message"}`));
    });
  });
  const p = ready.permission;
  if (!p.enabled || p.fsReadOutside || p.fsWrite || p.childProcess || p.worker) {
    child.kill("SIGKILL");
    throw new SealroomError("internal", "The gateway started without the permission model it requires.");
  }
  if (o.netns) {
    try {
      // nsenter execs node in its own place, so the pid we hold is the gateway's.
      if (ready.pid !== child.pid) throw new SealroomError("internal", `The gateway reported pid ${ready.pid}, not the process started (${child.pid}); it was stopped.`);
      assertInNetns(child.pid, o.netns);
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    }
  }
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    pid: child.pid!,
    port: ready.port,
    url: `http://${host}:${ready.port}`,
    ready,
    events,
    argv,
    send(message, version) {
      const isBuffer = Buffer.isBuffer(message);
      const v = isBuffer ? version : (message as { version?: unknown }).version;
      if (typeof v !== "number") return Promise.reject(new SealroomError("bad_request", "A config message needs its version."));
      if (exited) return Promise.reject(new SealroomError("internal", "The gateway is not running."));
      const bytes = isBuffer ? message : Buffer.from(JSON.stringify(message));
      return new Promise<void>((resolve, reject) => {
        acks.push({ version: v, resolve, reject });
        child.stdin.write(bytes, () => {
          // Our plaintext copy ends with the write; the pipe's kernel buffer is the only other place.
          if (isBuffer) bytes.fill(0);
        });
        child.stdin.write("\n");
      });
    },
    stderr: () => [...stderr],
    pauseEvents: () => child.stdout.pause(),
    resumeEvents: () => child.stdout.resume(),
    stop(graceMs = 5000) {
      if (exited) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
        // "close", not "exit": the last reports are still in the stdout pipe when the process exits.
        child.once("close", (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill("SIGTERM");
      });
    },
  };
}
