/**
 * Structured logs: one JSON object a line on stdout. Callers pass fields,
 * never secrets; `redact` drops known secret-bearing keys as a second line
 * of defence.
 */
import type { LogLevel } from "../config/config.js";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
/**
 * Field names that carry a secret: the name, with separators removed, is or
 * ends with one of these. Matching whole endings (not substrings) keeps
 * harmless fields such as errorCode, keyId or keyFile readable.
 */
const SECRET_ENDINGS = ["password", "passphrase", "secret", "token", "cookie", "authorization", "apikey", "privatekey", "recoverycode", "totpcode"];
const SECRET_NAMES = new Set(["key", "code", "otp"]);

/** True when a field named `name` may hold a secret. */
export function isSecretField(name: string): boolean {
  const flat = name.replace(/[-_\s]/g, "").toLowerCase();
  return SECRET_NAMES.has(flat) || SECRET_ENDINGS.some((e) => flat.endsWith(e));
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = isSecretField(k) ? "[redacted]" : v;
  return out;
}

/** A logger writing JSON lines at or above `level` to `write` (stdout by default). */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => void process.stdout.write(l)): Logger {
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...redact(fields) })}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** A logger that keeps lines in memory (tests scan it for leaked secrets). */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger("debug", (l) => void lines.push(l)), { lines });
}
