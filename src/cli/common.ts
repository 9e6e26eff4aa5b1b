/** Shared pieces of CLI commands: the global flags every command that opens the store accepts, and booting. */
import { z } from "zod";
import { loadConfig, type Config, type ConfigOverrides } from "../config/config.js";
import { bootServices } from "../launcher/services.js";
import { createLogger } from "../log/logger.js";
import type { Services } from "../services/context.js";

/** Flags that locate the installation; each mirrors an environment variable. */
export const STORE_OPTIONS = {
  "data-dir": { type: "string" },
  "database-url": { type: "string" },
  "key-file": { type: "string" },
} as const;

export const storeFlags = {
  "data-dir": z.string().min(1).optional(),
  "database-url": z.string().min(1).optional(),
  "key-file": z.string().min(1).optional(),
};

export const STORE_HELP = `  --data-dir DIR        data folder (env SEALROOM_DATA_DIR, default ./data)
  --database-url URL    postgres://… to use PostgreSQL (env SEALROOM_DATABASE_URL)
  --key-file PATH       master key file (env SEALROOM_KEY_FILE)`;

/** Builds the config from the environment plus the store flags. */
export function configFrom(flags: { "data-dir"?: string | undefined; "database-url"?: string | undefined; "key-file"?: string | undefined }, extra: ConfigOverrides = {}): Config {
  const overrides: ConfigOverrides = { ...extra };
  if (flags["data-dir"]) overrides.SEALROOM_DATA_DIR = flags["data-dir"];
  if (flags["database-url"]) overrides.SEALROOM_DATABASE_URL = flags["database-url"];
  if (flags["key-file"]) overrides.SEALROOM_KEY_FILE = flags["key-file"];
  return loadConfig(process.env, overrides);
}

/** Opens the installation for a one-shot command (logs only warnings and errors), runs `fn`, closes. */
export async function withServices<T>(config: Config, fn: (s: Services) => Promise<T>): Promise<T> {
  const s = await bootServices(config, { log: createLogger(config.logLevel === "silent" ? "silent" : "warn") });
  try {
    return await fn(s);
  } finally {
    await s.store.close();
  }
}
