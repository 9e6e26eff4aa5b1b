/**
 * Configuration: read once from the environment (and CLI overrides), parsed
 * with zod, frozen. `loadConfig` is the only reader of process.env in
 * Sealroom; everything else receives a Config. Secrets never come from here:
 * the master key lives in a key file (see src/seal/kek.ts).
 */
import { isIP } from "node:net";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { SealroomError } from "../domain/errors.js";

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(["1", "0", "true", "false", "yes", "no"]).transform((v) => v === "1" || v === "true" || v === "yes");

/** Environment variables Sealroom reads, with their defaults. */
const envSchema = z.object({
  SEALROOM_DATA_DIR: z.string().min(1).default("./data"),
  SEALROOM_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite)")
    .optional(),
  SEALROOM_HOST: z.string().min(1).default("127.0.0.1"),
  SEALROOM_PORT: port.default(7400),
  SEALROOM_GATEWAY_PORT: port.default(7401),
  SEALROOM_GATEWAY_HOST: z
    .string()
    .refine((v) => v === "localhost" || isIP(v) !== 0, "must be an IP address (or localhost): the gateway listens on an address, not a name")
    .optional(),
  SEALROOM_GATEWAY_NETNS: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "must be the name of a network namespace made with `ip netns add` (letters, digits, _ . -)")
    .optional(),
  SEALROOM_KEY_FILE: z.string().min(1).optional(),
  SEALROOM_PUBLIC_URL: z.url().optional(),
  SEALROOM_TRUST_PROXY: bool.default(false),
  SEALROOM_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  SEALROOM_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  SEALROOM_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  SEALROOM_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(1024 * 1024),
  SEALROOM_IMPORT_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024 * 1024).default(1024 * 1024 * 1024),
  SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  SEALROOM_ASSIST_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
});

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Config {
  readonly dataDir: string;
  /** PostgreSQL connection string, or undefined for SQLite under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly gatewayPort: number;
  /** Where the gateway listens (default: host). */
  readonly gatewayHost: string;
  /** A named network namespace (`ip netns add`) to run the gateway in, or null (docs/GATEWAY.md, egress). */
  readonly gatewayNetns: string | null;
  /** Master key file; outside the data folder so a copied data folder carries no key. */
  readonly keyFile: string;
  /** Base URL used in invitation links. */
  readonly publicUrl: string;
  /** Believe X-Forwarded-For / X-Forwarded-Proto (only behind a reverse proxy you run). */
  readonly trustProxy: boolean;
  readonly sessionIdleMs: number;
  readonly sessionMaxMs: number;
  readonly logLevel: LogLevel;
  readonly bodyLimitBytes: number;
  /** Largest import file accepted over HTTP (streamed, never held in memory). */
  readonly importLimitBytes: number;
  /** How often the running server signs a new audit tree head; 0 turns periodic signing off. */
  readonly auditHeadIntervalMs: number;
  /** How often the running server drafts model-assist answers for projects with auto assist; 0 = never. */
  readonly assistIntervalMs: number;
  /** scrypt cost for password hashing, log2(N); tests lower it. */
  readonly passwordCostLog2: number;
}

export type ConfigOverrides = Partial<Record<keyof z.input<typeof envSchema>, string>>;

/** Default key file: beside the data folder, never inside it. */
function defaultKeyFile(dataDir: string): string {
  const parent = dirname(dataDir);
  return parent === dataDir ? join(homedir(), ".sealroom", "master.key") : join(parent, ".sealroom", "master.key");
}

/**
 * Parses the environment (plus overrides, e.g. from CLI flags) into a frozen
 * Config, or throws config_invalid naming the variable and what it expects.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, overrides: ConfigOverrides = {}): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = overrides[key as keyof ConfigOverrides] ?? env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "configuration");
    throw new SealroomError("config_invalid", `${name}: ${issue?.message ?? "invalid value"}. Fix the variable (or flag) and start again.`);
  }
  const v = parsed.data;
  const dataDir = resolve(v.SEALROOM_DATA_DIR);
  const shownHost = v.SEALROOM_HOST.includes(":") ? `[${v.SEALROOM_HOST}]` : v.SEALROOM_HOST;
  return Object.freeze({
    dataDir,
    databaseUrl: v.SEALROOM_DATABASE_URL,
    host: v.SEALROOM_HOST,
    port: v.SEALROOM_PORT,
    gatewayPort: v.SEALROOM_GATEWAY_PORT,
    gatewayHost: v.SEALROOM_GATEWAY_HOST ?? v.SEALROOM_HOST,
    gatewayNetns: v.SEALROOM_GATEWAY_NETNS ?? null,
    keyFile: resolve(v.SEALROOM_KEY_FILE ?? defaultKeyFile(dataDir)),
    publicUrl: (v.SEALROOM_PUBLIC_URL ?? `http://${shownHost}:${v.SEALROOM_PORT}`).replace(/\/+$/, ""),
    trustProxy: v.SEALROOM_TRUST_PROXY,
    sessionIdleMs: v.SEALROOM_SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: v.SEALROOM_SESSION_MAX_HOURS * 3_600_000,
    logLevel: v.SEALROOM_LOG_LEVEL,
    bodyLimitBytes: v.SEALROOM_BODY_LIMIT_BYTES,
    importLimitBytes: v.SEALROOM_IMPORT_LIMIT_BYTES,
    auditHeadIntervalMs: v.SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS * 1000,
    assistIntervalMs: v.SEALROOM_ASSIST_INTERVAL_SECONDS * 1000,
    passwordCostLog2: 15,
  });
}

/** A copy of `config` with some fields replaced (tests and tools). */
export function withConfig(config: Config, changes: Partial<Config>): Config {
  return Object.freeze({ ...config, ...changes });
}
