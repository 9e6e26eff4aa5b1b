/**
 * The egress allowlist, enforced on the outbound connection itself. The only
 * hosts the gateway may connect to are those of its configured deployments;
 * each connection resolves the name, checks every address it got, and
 * connects to exactly the addresses it checked (the lookup it hands the
 * socket returns them), so DNS cannot answer differently between check and
 * connect (rebinding). Named hosts may resolve only to public addresses
 * unless their deployment lists the addresses it may use; `localhost` only
 * to loopback; an IP literal only to itself.
 */
import { promises as dns, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import type { Deployment } from "./config.js";

/** Name resolution (the system's by default; tests substitute their own). */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/** The system resolver (getaddrinfo, every address). */
export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Called for every refused destination, with the reason (no secrets: host and deployment id only). */
export type DenialSink = (host: string, deploymentId: string, reason: string) => void;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The `lookup` option of http.request / net.connect. */
export type LookupFn = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/** Address ranges that are never "public" (RFC 6890 special-purpose registries, plus multicast and reserved). */
const SPECIAL = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) SPECIAL.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128], ["::1", 128], ["::ffff:0:0", 96], ["64:ff9b:1::", 48], ["100::", 64], ["2001::", 23], ["2001:db8::", 32],
  ["2002::", 16], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8],
] as const) SPECIAL.addSubnet(net, bits, "ipv6");

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** An IPv4-mapped or NAT64 IPv6 address is judged by the IPv4 address inside it. */
function normalise(address: string): { address: string; type: "ipv4" | "ipv6" } | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  if (family === 4) return { address, type: "ipv4" };
  const lower = address.toLowerCase();
  const m = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return m ? { address: m[1]!, type: "ipv4" } : { address: lower, type: "ipv6" };
}

/** Which addresses one allowed host may use. */
type HostRule = { kind: "ip"; address: string } | { kind: "loopback" } | { kind: "listed"; list: BlockList } | { kind: "public" };

function ruleFor(d: Deployment): HostRule {
  if (isIP(d.hostname)) return { kind: "ip", address: normalise(d.hostname)!.address };
  if (d.hostname === "localhost" || d.hostname.endsWith(".localhost")) return { kind: "loopback" };
  if (d.addresses === null) return { kind: "public" };
  const list = new BlockList();
  for (const a of d.addresses) {
    const [ip, bits] = a.split("/") as [string, string | undefined];
    const type = isIP(ip) === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(bits), type);
  }
  return { kind: "listed", list };
}

function allowedBy(rule: HostRule, address: string): boolean {
  const n = normalise(address);
  if (!n) return false;
  switch (rule.kind) {
    case "ip":
      return n.address === rule.address;
    case "loopback":
      return LOOPBACK.check(n.address, n.type);
    case "listed":
      return rule.list.check(n.address, n.type) || rule.list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
    case "public":
      return !SPECIAL.check(n.address, n.type);
  }
}

function denied(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: "EGRESS_DENIED" });
}

/** The allowlist of one configuration: hosts of its deployments, and the addresses each may resolve to. */
export class Egress {
  readonly #rules = new Map<string, HostRule[]>();
  readonly #lookups = new Map<string, LookupFn>();

  constructor(
    deployments: readonly Deployment[],
    private readonly resolve: Resolver,
    private readonly onDenied: DenialSink,
  ) {
    for (const d of deployments) {
      const rules = this.#rules.get(d.hostname) ?? [];
      rules.push(ruleFor(d));
      this.#rules.set(d.hostname, rules);
    }
    for (const d of deployments) this.#lookups.set(d.id, this.#lookup(d.id));
  }

  /** True when `hostname` belongs to a configured deployment (checked before every request). */
  allowsHost(hostname: string): boolean {
    return this.#rules.has(hostname.toLowerCase());
  }

  /** True when `address` may be used for `hostname` (IP-literal hosts never reach the resolver, so they are checked here). */
  allowsAddress(hostname: string, address: string): boolean {
    const rules = this.#rules.get(hostname.toLowerCase());
    return rules !== undefined && rules.some((r) => allowedBy(r, address));
  }

  /** Records a refused destination (also used for redirects, which are never followed). */
  deny(host: string, deploymentId: string, reason: string): void {
    this.onDenied(host, deploymentId, reason);
  }

  /** The socket lookup for calls to deployment `id`: resolve, check all, hand back exactly what was checked. */
  lookupFor(id: string): LookupFn {
    return this.#lookups.get(id) ?? this.#lookup(id);
  }

  #lookup(deploymentId: string): LookupFn {
    return (hostname, options, callback) => {
      const host = hostname.toLowerCase();
      if (!this.#rules.has(host)) {
        this.deny(host, deploymentId, "host not in the allowlist");
        callback(denied("egress denied"), "", 0);
        return;
      }
      this.resolve(host).then(
        (found) => {
          const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
          // One disallowed address refuses the whole answer: a mixed answer is what rebinding looks like.
          if (wanted.length === 0 || !wanted.every((a) => this.allowsAddress(host, a.address))) {
            this.deny(host, deploymentId, "address not allowed for this host");
            callback(denied("egress denied"), "", 0);
            return;
          }
          const pinned: LookupAddress[] = wanted.map((a) => ({ address: a.address, family: a.family }));
          if (options.all) callback(null, pinned);
          else callback(null, pinned[0]!.address, pinned[0]!.family);
        },
        (e: unknown) => callback(Object.assign(new Error("name resolution failed"), { code: (e as { code?: string }).code ?? "ENOTFOUND" }), "", 0),
      );
    };
  }
}
