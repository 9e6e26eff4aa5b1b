/**
 * Running the gateway inside a named network namespace (SEALROOM_GATEWAY_NETNS),
 * the operating-system half of the egress policy (docs/GATEWAY.md). Node 20
 * cannot stop code inside a process from opening sockets, so where the
 * gateway may connect is also decided by the kernel: the operator builds a
 * namespace whose only link leads to the providers (or an egress proxy), and
 * the launcher starts the gateway in it with nsenter. Joining a namespace
 * needs root, so the gateway then drops to the unprivileged user nobody; it
 * reads its code from a copy everyone may read and only root may write.
 *
 * Every step fails closed: no namespace, no nsenter, not root, or a child
 * that is not where it should be (checked from /proc after it listens) stops
 * the start with an error naming the problem.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { SealroomError } from "../domain/errors.js";

/** The user and group the gateway runs as inside a namespace: nobody / nogroup on Debian and most distributions. */
export const NETNS_UID = 65534;
export const NETNS_GID = 65534;

const NSENTER = ["/usr/bin/nsenter", "/bin/nsenter", "/usr/sbin/nsenter", "/sbin/nsenter"];

/** Where `ip netns add NAME` pins a namespace. */
export const netnsPath = (name: string) => `/run/netns/${name}`;

/**
 * The command and leading arguments that run a program inside namespace
 * `name` as nobody (append the program and its arguments); throws
 * config_invalid, naming what is missing, when that cannot work here.
 */
export function netnsPrefix(name: string, execPath: string): { command: string; args: string[] } {
  const fix = "see docs/GATEWAY.md (egress), or unset SEALROOM_GATEWAY_NETNS";
  if (process.platform !== "linux") throw new SealroomError("config_invalid", `Network namespaces exist only on Linux; ${fix}.`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw new SealroomError("config_invalid", `'${name}' is not a network namespace name.`);
  if (process.getuid?.() !== 0) throw new SealroomError("config_invalid", `Starting the gateway in network namespace '${name}' needs root (nsenter joins it, then the gateway drops to user nobody); ${fix}.`);
  if (!existsSync(netnsPath(name))) throw new SealroomError("config_invalid", `Network namespace '${name}' does not exist (no ${netnsPath(name)}): create it with \`ip netns add ${name}\`; ${fix}.`);
  const nsenter = NSENTER.find((p) => existsSync(p));
  if (!nsenter) throw new SealroomError("config_invalid", `nsenter (util-linux) is not installed; it is needed to start the gateway in network namespace '${name}'.`);
  assertReachableByOthers(execPath, "the node binary", 0o001);
  return { command: nsenter, args: [`--net=${netnsPath(name)}`, `--setgid=${NETNS_GID}`, `--setuid=${NETNS_UID}`, "--"] };
}

/**
 * Throws unless user nobody can use `path`: its "other" mode bits hold `need`
 * (0o001 run a binary, 0o004 read a file, 0o005 list a folder), and every
 * folder above it is searchable by others.
 */
export function assertReachableByOthers(path: string, what: string, need: number): void {
  if ((statSync(path).mode & need) !== need) throw new SealroomError("config_invalid", `The gateway runs as user nobody in its network namespace and cannot use ${what} at ${path}: give others access to it (chmod o+${need & 0o004 ? "r" : ""}${need & 0o001 ? "x" : ""}).`);
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) throw new SealroomError("config_invalid", `The gateway runs as user nobody in its network namespace and cannot reach ${what}: ${dir} is not searchable by others (chmod o+x).`);
    if (dirname(dir) === dir) break;
  }
}

/** Throws internal unless process `pid` is inside namespace `name` and runs as nobody with no supplementary groups. */
export function assertInNetns(pid: number, name: string): void {
  const inside = statSync(`/proc/${pid}/ns/net`);
  const pinned = statSync(netnsPath(name));
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const ids = (field: string) => (new RegExp(`^${field}:[ \\t]*(.*)$`, "m").exec(status)?.[1] ?? "").trim().split(/\s+/).filter(Boolean).map(Number);
  const uids = ids("Uid");
  const gids = ids("Gid");
  const groups = ids("Groups");
  const asNobody = uids.length === 4 && uids.every((u) => u === NETNS_UID) && gids.length === 4 && gids.every((g) => g === NETNS_GID) && groups.every((g) => g === NETNS_GID);
  if (inside.ino !== pinned.ino || inside.dev !== pinned.dev || !asNobody) {
    throw new SealroomError("internal", `The gateway is not running inside network namespace '${name}' as user nobody (uid ${uids.join("/")}, groups ${groups.join(",") || "none"}); it was stopped.`);
  }
}
