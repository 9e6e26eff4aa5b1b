/**
 * The operating-system egress policy of docs/GATEWAY.md, proved on this
 * machine. A network namespace whose only link is a veth pair to the host
 * (no default route); the launcher starts the gateway in it (nsenter, as user
 * nobody); the mock provider listens on the host's end of the link. Then code
 * running in the gateway's namespace, as the gateway's user, with the
 * gateway's own egress check out of the way (a raw socket from a process of
 * its own), tries the places a trojaned dependency would go: the host's
 * loopback services (database, core), other hosts, the cloud metadata
 * address. The kernel refuses each. With nft installed, the documented
 * firewall rule on the host's end of the link is applied too, and a service
 * listening on every host address goes from reachable to unreachable.
 *
 * Needs Linux, root and iproute2 (`ip`); skips with a message otherwise.
 */
import OpenAI from "openai";
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { networkInterfaces } from "node:os";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NETNS_UID, assertInNetns, netnsPath } from "../../src/launcher/gateway-netns.js";
import { spawnGateway, type GatewayProcess } from "../../src/launcher/gateway.js";
import { configMessage, deployment, keyEntry, newKey } from "../support/gateway.js";
import { startMockOpenai } from "../support/mock-openai.js";
import { eventually } from "../support/wait.js";
import type { MockUpstream } from "../support/mock-upstream.js";

const run = promisify(execFile);
const IP = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((p) => existsSync(p));
const NSENTER = ["/usr/bin/nsenter", "/bin/nsenter"].find((p) => existsSync(p));
const NFT = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].find((p) => existsSync(p));

/** Why this machine cannot run the test, or undefined when it can. */
function unsupported(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not running as root (network namespaces need CAP_SYS_ADMIN)";
  if (!IP) return "iproute2 (ip) is not installed";
  if (!NSENTER) return "nsenter (util-linux) is not installed";
  const probe = `srprobe-${randomBytes(3).toString("hex")}`;
  try {
    execFileSync(IP, ["netns", "add", probe], { stdio: "pipe" });
    execFileSync(IP, ["netns", "del", probe], { stdio: "pipe" });
    return undefined;
  } catch (e) {
    return `ip netns add failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
}

const why = unsupported();
if (why) console.warn(`test/gateway/netns.test.ts skipped: ${why}`);

/** What a plain TCP connect from `pid`'s network namespace, as user nobody, gets for each target: "connected", "timeout" or an errno code. */
async function connectFrom(pid: number, targets: ReadonlyArray<readonly [string, number]>): Promise<string[]> {
  const script = `
    const net = require("node:net");
    const targets = JSON.parse(process.argv[1]);
    Promise.all(targets.map(([host, port]) => new Promise((done) => {
      const s = net.connect({ host, port, timeout: 1500 });
      s.on("connect", () => { s.destroy(); done("connected"); });
      s.on("timeout", () => { s.destroy(); done("timeout"); });
      s.on("error", (e) => done(e.code || e.message));
    }))).then((r) => process.stdout.write(JSON.stringify(r)));`;
  const { stdout } = await run(NSENTER!, [`--net=/proc/${pid}/ns/net`, `--setgid=${NETNS_UID}`, `--setuid=${NETNS_UID}`, "--", process.execPath, "-e", script, JSON.stringify(targets)], { env: {} });
  return JSON.parse(stdout) as string[];
}

function listen(host: string): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => {
      c.on("error", () => undefined); // probes hang up at once
      c.end("a host service\n");
    });
    s.listen(0, host, () => resolve(s));
  });
}
const portOf = (s: Server) => (s.address() as AddressInfo).port;

/** A plain TCP connect from this process (the host's namespace). */
function connectHere(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.on("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** A non-loopback IPv4 address of this host outside the test link (where a LAN or cloud service would be reached). */
function hostAddress(exclude: string): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === "IPv4" && !a.internal && !a.address.startsWith(exclude)) return a.address;
  return undefined;
}

describe.skipIf(why !== undefined)("the gateway in a network namespace (the OS egress policy)", () => {
  const tag = randomBytes(4).toString("hex");
  const ns = `srgw-${tag}`;
  const hostIf = `srh-${tag}`;
  const nsIf = `srn-${tag}`;
  const net = `10.213.${1 + (randomBytes(1)[0]! % 250)}`;
  const hostSide = `${net}.1`;
  const nsSide = `${net}.2`;
  const key = newKey();
  const PROVIDER_KEY = "sk-provider-netns-0123456789abcdef01234";
  let up: MockUpstream;
  let gw: GatewayProcess;
  let loopbackService: Server;
  let everyAddress: Server;

  const ip = (...args: string[]) => execFileSync(IP!, args, { stdio: "pipe" });

  beforeAll(async () => {
    ip("netns", "add", ns);
    ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
    ip("link", "set", nsIf, "netns", ns);
    ip("addr", "add", `${hostSide}/30`, "dev", hostIf);
    ip("link", "set", hostIf, "up");
    ip("-n", ns, "addr", "add", `${nsSide}/30`, "dev", nsIf);
    ip("-n", ns, "link", "set", nsIf, "up");
    ip("-n", ns, "link", "set", "lo", "up");
    // The provider (in a deployment: the egress proxy) on the host's end of the link.
    up = await startMockOpenai(hostSide);
    // Stand-ins for the database and the core: on the host's loopback, where this machine's services listen.
    loopbackService = await listen("127.0.0.1");
    // A careless service on every address.
    everyAddress = await listen("0.0.0.0");
    gw = await spawnGateway({ host: nsSide, port: 0, netns: ns });
    await gw.send(configMessage({ deployments: [deployment({ baseUrl: `${up.url}/v1`, apiKey: PROVIDER_KEY })], keys: [keyEntry(key.hash)] }));
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await up?.close();
    loopbackService?.close();
    everyAddress?.close();
    if (NFT) await run(NFT, ["delete", "table", "inet", `sealroom_gw_${tag}`]).catch(() => undefined);
    try {
      ip("netns", "del", ns);
    } catch {
      /* already gone */
    }
    try {
      ip("link", "del", hostIf);
    } catch {
      /* removed with the namespace */
    }
  });

  it("starts the gateway inside the namespace, as nobody, with nothing in its environment", () => {
    expect(statSync(`/proc/${gw.pid}/ns/net`).ino).toBe(statSync(netnsPath(ns)).ino);
    expect(statSync(`/proc/${gw.pid}/ns/net`).ino).not.toBe(statSync("/proc/self/ns/net").ino);
    const status = readFileSync(`/proc/${gw.pid}/status`, "utf8");
    expect(/^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/)).toEqual(Array(4).fill(String(NETNS_UID)));
    expect(readFileSync(`/proc/${gw.pid}/environ`).length).toBe(0);
    expect(readFileSync(`/proc/${gw.pid}/cmdline`, "utf8").split("\0")).toContain("--experimental-permission");
    expect(gw.ready.permission).toEqual({ enabled: true, fsReadOutside: false, fsWrite: false, childProcess: false, worker: false });
  });

  it("the launcher's check refuses a process outside the namespace, or inside it as root", async () => {
    // This test process: the host's namespace.
    expect(() => assertInNetns(process.pid, ns)).toThrow(/not running inside network namespace/);
    // A process in the namespace that kept root.
    const root = spawn(IP!, ["netns", "exec", ns, "sleep", "30"], { stdio: "ignore" });
    try {
      // Once `ip` has joined the namespace and exec'd sleep.
      await eventually(() => expect(statSync(`/proc/${root.pid}/ns/net`).ino).toBe(statSync(netnsPath(ns)).ino));
      expect(() => assertInNetns(root.pid!, ns)).toThrow(/as user nobody \(uid 0\/0\/0\/0/);
    } finally {
      root.kill("SIGKILL");
    }
    // The gateway itself passes.
    expect(() => assertInNetns(gw.pid, ns)).not.toThrow();
  });

  it("serves an SDK call through its one link to the provider", async () => {
    const client = new OpenAI({ apiKey: key.secret, baseURL: `http://${nsSide}:${gw.port}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hello from outside" }] });
    expect(r.choices[0]!.message.content).toBeTruthy();
    expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  });

  it("leaves code in its namespace no way to the host's loopback services, other hosts or the metadata address", async () => {
    // The services are alive: from the host they answer.
    expect(await connectHere("127.0.0.1", portOf(loopbackService))).toBe("connected");
    const lan = hostAddress(net);
    const targets: Array<readonly [string, number]> = [
      [hostSide, up.port], // the provider: the one way out
      ["127.0.0.1", portOf(loopbackService)], // the host's database port, as the gateway would name it
      ["192.0.2.1", 443], // any other host (TEST-NET-1)
      ["169.254.169.254", 80], // the cloud metadata service, where cloud credentials are read
      ...(lan ? [[lan, portOf(everyAddress)] as const] : []), // this host's LAN address
    ];
    const got = await connectFrom(gw.pid, targets);
    expect(got[0]).toBe("connected");
    expect(got[1]).toBe("ECONNREFUSED"); // the namespace's own loopback: nothing listens there
    expect(got[2]).toBe("ENETUNREACH");
    expect(got[3]).toBe("ENETUNREACH");
    if (lan) expect(got[4]).toBe("ENETUNREACH");
  });

  it.skipIf(!NFT)("with the documented rule on the host's end of the link, a service on every host address is cut off and the provider is not", async () => {
    const before = await connectFrom(gw.pid, [[hostSide, portOf(everyAddress)]]);
    // Without the rule the link reaches what listens on every host address: the rule is what closes it.
    expect(before).toEqual(["connected"]);
    const table = `sealroom_gw_${tag}`;
    // docs/GATEWAY.md's input chain, plus the port of the provider, which here lives on the host's end of the link.
    const rules = [
      `table inet ${table} {`,
      "  chain input {",
      "    type filter hook input priority 0; policy accept;",
      `    iifname "${hostIf}" ct state established,related accept`,
      `    iifname "${hostIf}" tcp dport ${up.port} accept`,
      `    iifname "${hostIf}" drop`,
      "  }",
      "}",
      "",
    ].join("\n");
    await new Promise<void>((resolve, reject) => {
      const child = execFile(NFT!, ["-f", "-"], (e) => (e ? reject(e) : resolve()));
      child.stdin!.end(rules);
    });
    const after = await connectFrom(gw.pid, [
      [hostSide, portOf(everyAddress)],
      [hostSide, up.port],
    ]);
    expect(after).toEqual(["timeout", "connected"]);
    const client = new OpenAI({ apiKey: key.secret, baseURL: `http://${nsSide}:${gw.port}/v1`, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "still works" }] })).resolves.toBeTruthy();
  });
});

describe("starting the gateway in a network namespace fails closed", () => {
  it("refuses a namespace that does not exist, naming it", async () => {
    const missing = `srnone-${randomBytes(3).toString("hex")}`;
    const err = (await spawnGateway({ host: "127.0.0.1", port: 0, netns: missing }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe("config_invalid");
    // As root the namespace is what is missing; otherwise root is.
    expect(err.message).toMatch(process.getuid?.() === 0 ? new RegExp(`'${missing}' does not exist`) : /needs root/);
  });

  it("refuses a name that is not a namespace name", async () => {
    const err = (await spawnGateway({ host: "127.0.0.1", port: 0, netns: "../etc" }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe("config_invalid");
    expect(err.message).toMatch(/not a network namespace name/);
  });
});
