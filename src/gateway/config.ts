/**
 * The configuration the core hands the gateway over stdin (a `config`
 * control message), validated field by field and compiled into lookup
 * tables. A message that fails validation is refused whole and the previous
 * configuration stays in force. Validation errors name the field, never its
 * value: deployments carry provider keys.
 */
import { isIP } from "node:net";
import { Invalid, arr, bool, int, isObj, num, obj, own, str, nullable, type Obj } from "./check.js";

/** The two provider wire formats. */
export type Provider = "openai" | "anthropic";

/** One provider deployment: where an alias may be served, with the provider key to use there. */
export interface Deployment {
  readonly id: string;
  readonly tenantId: string;
  readonly alias: string;
  readonly provider: Provider;
  /** Normalised base URL (no trailing slash), e.g. https://api.openai.com/v1 or https://api.anthropic.com. */
  readonly baseUrl: string;
  readonly protocol: "http:" | "https:";
  /** Host without IPv6 brackets, lower case. */
  readonly hostname: string;
  readonly port: number;
  readonly basePath: string;
  readonly model: string;
  readonly apiKey: string;
  readonly weight: number;
  /** Client request headers copied to this deployment's upstream calls (lower case). */
  readonly passHeaders: readonly string[];
  /** Addresses (IPs or CIDRs) a named host may resolve to; null means public addresses only. */
  readonly addresses: readonly string[] | null;
}

/** A virtual key as the gateway knows it: the hash of its secret and its limits. */
export interface VirtualKey {
  readonly id: string;
  readonly hash: string;
  readonly tenantId: string;
  readonly projectId: string | null;
  readonly models: ReadonlySet<string>;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly budgetUsdDay: number | null;
  readonly budgetUsdMonth: number | null;
  readonly spentUsdDay: number;
  readonly spentUsdMonth: number;
  readonly expiresAt: number | null;
  readonly revoked: boolean;
  readonly paused: { readonly reason: string } | null;
}

/** Price of an upstream model in USD per million tokens. */
export interface Price {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** A validated, compiled configuration; replaced as a whole, never edited. */
export interface GatewayConfig {
  readonly version: number;
  readonly deployments: readonly Deployment[];
  readonly keysByHash: ReadonlyMap<string, VirtualKey>;
  /** `${tenantId}\n${alias}` → deployments in configured order. */
  readonly routes: ReadonlyMap<string, readonly Deployment[]>;
  readonly prices: ReadonlyMap<string, Price>;
  readonly timeouts: { readonly requestMs: number; readonly firstByteMs: number };
  readonly retries: { readonly max: number; readonly baseMs: number };
  readonly breaker: { readonly failures: number; readonly cooldownMs: number };
  /** Highest usage record sequence number the core had counted into spentUsd*; null: all of them. */
  readonly usageSeq: number | null;
  /** When the spentUsd* figures were computed (ms); defaults to the time the message arrived. */
  readonly spentAt: number;
  readonly bodyLimitBytes: number;
}

const ID = /^[A-Za-z0-9._:@-]+$/;
const ALIAS = /^[A-Za-z0-9._:/@-]+$/;
/** Upstream model names and key text: printable ASCII, no spaces (they go into JSON bodies and headers). */
const PRINTABLE = /^[\x21-\x7e]+$/;
const HEADER_NAME = /^[a-z0-9][a-z0-9-]*$/;
const HEX64 = /^[0-9a-f]{64}$/;
/**
 * Headers that may never be copied from a client to a provider, whatever the
 * configuration says: credentials, routing, framing and proxy headers.
 */
const NEVER_PASSED = /^(authorization|proxy-.*|x-api-key|api-key|host|cookie|content-length|content-type|transfer-encoding|connection|keep-alive|te|trailer|upgrade|expect|forwarded|x-forwarded-.*|x-real-ip|via|accept-encoding|anthropic-version)$/;

/** The routing key of an alias in a tenant. */
export function routeKey(tenantId: string, alias: string): string {
  return `${tenantId}\n${alias}`;
}

function deployment(v: unknown, path: string): Deployment {
  const o = obj(v, path);
  const provider = own(o, "provider");
  if (provider !== "openai" && provider !== "anthropic") throw new Invalid(`${path}.provider`, 'must be "openai" or "anthropic"');
  const base = baseUrl(own(o, "baseUrl"), `${path}.baseUrl`);
  const passHeaders = own(o, "passHeaders") === undefined ? [] : arr(own(o, "passHeaders"), `${path}.passHeaders`, 32).map((h, i) => headerName(h, `${path}.passHeaders[${i}]`));
  const addressesRaw = own(o, "addresses");
  const addresses = addressesRaw === undefined || addressesRaw === null ? null : arr(addressesRaw, `${path}.addresses`, 64).map((a, i) => cidr(a, `${path}.addresses[${i}]`));
  return {
    id: str(own(o, "id"), `${path}.id`, 200, ID),
    tenantId: str(own(o, "tenantId"), `${path}.tenantId`, 200, ID),
    alias: str(own(o, "alias"), `${path}.alias`, 200, ALIAS),
    provider,
    ...base,
    model: str(own(o, "model"), `${path}.model`, 200, PRINTABLE),
    apiKey: str(own(o, "apiKey"), `${path}.apiKey`, 4096, PRINTABLE),
    weight: num(own(o, "weight") ?? 1, `${path}.weight`, 0, 1_000_000),
    passHeaders,
    addresses,
  };
}

function baseUrl(v: unknown, path: string): Pick<Deployment, "baseUrl" | "protocol" | "hostname" | "port" | "basePath"> {
  const text = str(v, path, 2000, PRINTABLE);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Invalid(path, "must be an absolute http(s) URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Invalid(path, "must use http or https");
  if (u.username || u.password || u.search || u.hash) throw new Invalid(path, "must not carry credentials, a query or a fragment");
  const hostname = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (!hostname) throw new Invalid(path, "must name a host");
  const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  const basePath = u.pathname.replace(/\/+$/, "");
  return { baseUrl: `${u.protocol}//${u.host}${basePath}`, protocol: u.protocol, hostname, port, basePath };
}

function headerName(v: unknown, path: string): string {
  const h = str(v, path, 100, HEADER_NAME);
  if (NEVER_PASSED.test(h)) throw new Invalid(path, "is a header the gateway never passes through");
  return h;
}

function cidr(v: unknown, path: string): string {
  const s = str(v, path, 64);
  const [ip, bits, ...rest] = s.split("/");
  const family = isIP(ip ?? "");
  if (family === 0 || rest.length > 0) throw new Invalid(path, "must be an IP address or CIDR");
  if (bits !== undefined) int(Number(bits), path, 0, family === 4 ? 32 : 128);
  return s;
}

function virtualKey(v: unknown, path: string): VirtualKey {
  const o = obj(v, path);
  const pausedRaw = own(o, "paused");
  const paused = pausedRaw === null || pausedRaw === undefined ? null : { reason: str(own(obj(pausedRaw, `${path}.paused`), "reason"), `${path}.paused.reason`, 500) };
  const optNum = (k: string, max: number) => nullable(own(o, k) ?? null, (x) => num(x, `${path}.${k}`, 0, max));
  const optInt = (k: string) => nullable(own(o, k) ?? null, (x) => int(x, `${path}.${k}`, 1, 1_000_000_000));
  return {
    id: str(own(o, "id"), `${path}.id`, 200, ID),
    hash: str(own(o, "hash"), `${path}.hash`, 64, HEX64),
    tenantId: str(own(o, "tenantId"), `${path}.tenantId`, 200, ID),
    projectId: nullable(own(o, "projectId") ?? null, (x) => str(x, `${path}.projectId`, 200, ID)),
    models: new Set(arr(own(o, "models"), `${path}.models`, 1000).map((m, i) => str(m, `${path}.models[${i}]`, 200, ALIAS))),
    rpm: optInt("rpm"),
    tpm: optInt("tpm"),
    budgetUsdDay: optNum("budgetUsdDay", 1e9),
    budgetUsdMonth: optNum("budgetUsdMonth", 1e9),
    spentUsdDay: num(own(o, "spentUsdDay") ?? 0, `${path}.spentUsdDay`, 0, 1e12),
    spentUsdMonth: num(own(o, "spentUsdMonth") ?? 0, `${path}.spentUsdMonth`, 0, 1e12),
    expiresAt: nullable(own(o, "expiresAt") ?? null, (x) => num(x, `${path}.expiresAt`, 0, 8.64e15)),
    revoked: bool(own(o, "revoked") ?? false, `${path}.revoked`),
    paused,
  };
}

function prices(v: unknown): Map<string, Price> {
  const out = new Map<string, Price>();
  if (v === undefined) return out;
  const o = obj(v, "prices");
  const names = Object.keys(o);
  if (names.length > 10_000) throw new Invalid("prices", "has too many models");
  for (const name of names) {
    const p = obj(o[name], `prices[${out.size}]`);
    out.set(str(name, `prices[${out.size}]`, 200, PRINTABLE), {
      inputPerMTok: num(own(p, "inputPerMTok"), `prices[${out.size}].inputPerMTok`, 0, 1e6),
      outputPerMTok: num(own(p, "outputPerMTok"), `prices[${out.size}].outputPerMTok`, 0, 1e6),
    });
  }
  return out;
}

function section(o: Obj, key: string): Obj {
  const v = own(o, key);
  return v === undefined ? {} : obj(v, key);
}

/**
 * Validates a `config` control message and compiles it. Throws Invalid
 * (naming the field) for anything out of shape; nothing is half-applied.
 */
export function compileConfig(raw: unknown, receivedAt: number): GatewayConfig {
  const o = obj(raw, "(message)");
  if (own(o, "type") !== "config") throw new Invalid("type", 'must be "config"');
  const version = int(own(o, "version"), "version", 0, Number.MAX_SAFE_INTEGER);
  const deployments = arr(own(o, "deployments"), "deployments", 10_000).map((d, i) => deployment(d, `deployments[${i}]`));
  const keys = arr(own(o, "keys"), "keys", 1_000_000).map((k, i) => virtualKey(k, `keys[${i}]`));
  const ids = new Set<string>();
  for (const [i, d] of deployments.entries()) {
    if (ids.has(d.id)) throw new Invalid(`deployments[${i}].id`, "is used twice");
    ids.add(d.id);
  }
  const keysByHash = new Map<string, VirtualKey>();
  for (const [i, k] of keys.entries()) {
    if (keysByHash.has(k.hash)) throw new Invalid(`keys[${i}].hash`, "is used twice");
    keysByHash.set(k.hash, k);
  }
  const routes = new Map<string, Deployment[]>();
  for (const d of deployments) {
    const key = routeKey(d.tenantId, d.alias);
    const list = routes.get(key);
    if (list) list.push(d);
    else routes.set(key, [d]);
  }
  const t = section(o, "timeouts");
  const requestMs = int(own(t, "requestMs") ?? 600_000, "timeouts.requestMs", 1, 3_600_000);
  const r = section(o, "retries");
  const b = section(o, "breaker");
  const usageSeq = own(o, "usageSeq");
  return {
    version,
    deployments,
    keysByHash,
    routes,
    prices: prices(own(o, "prices")),
    timeouts: { requestMs, firstByteMs: int(own(t, "firstByteMs") ?? 60_000, "timeouts.firstByteMs", 1, requestMs) },
    retries: { max: int(own(r, "max") ?? 2, "retries.max", 0, 10), baseMs: int(own(r, "baseMs") ?? 100, "retries.baseMs", 0, 60_000) },
    breaker: { failures: int(own(b, "failures") ?? 5, "breaker.failures", 1, 1000), cooldownMs: int(own(b, "cooldownMs") ?? 30_000, "breaker.cooldownMs", 1, 3_600_000) },
    usageSeq: usageSeq === undefined || usageSeq === null ? null : int(usageSeq, "usageSeq", 0, Number.MAX_SAFE_INTEGER),
    spentAt: own(o, "spentAt") === undefined ? receivedAt : num(own(o, "spentAt"), "spentAt", 0, 8.64e15),
    bodyLimitBytes: int(own(o, "bodyLimitBytes") ?? 8 * 1024 * 1024, "bodyLimitBytes", 1024, 256 * 1024 * 1024),
  };
}

/** True when `v` looks like a control message object with a type (used before full validation). */
export function messageType(v: unknown): string | undefined {
  return isObj(v) && typeof own(v, "type") === "string" ? (own(v, "type") as string) : undefined;
}
