/**
 * Real Services over a real database for tests: SQLite in a temporary folder,
 * or, when the suite runs its PostgreSQL pass (SEALROOM_TEST_DIALECT=postgres),
 * a fresh schema in the run's PostgreSQL database. Same tests, both dialects.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig, withConfig, type Config } from "../../src/config/config.js";
import { bootServices } from "../../src/launcher/services.js";
import { memoryLogger } from "../../src/log/logger.js";
import { LocalKek, loadOrCreateKeyFile } from "../../src/seal/kek.js";
import type { Services } from "../../src/services/context.js";

export type TestDialect = "sqlite" | "postgres";

/** The dialect this run of the suite is for. */
export const DIALECT: TestDialect = process.env["SEALROOM_TEST_DIALECT"] === "postgres" ? "postgres" : "sqlite";
const PG_URL = process.env["SEALROOM_TEST_POSTGRES_URL"];

export interface TestContext {
  readonly s: Services;
  readonly logLines: string[];
  readonly dataDir: string;
  /** Flags that point the `sealroom` CLI at this same database (and key file, with `keyFile`). */
  readonly cliArgs: readonly string[];
  /** Moves the test clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * Boots Services on a fresh database of the current dialect, with a fixed,
 * movable clock. The master key is random and in memory, or, with `keyFile`,
 * a real key file beside the data folder (for tests that run the CLI too).
 */
export async function makeServices(changes: Partial<Config> = {}, options: { keyFile?: boolean } = {}): Promise<TestContext> {
  const dataDir = mkdtempSync(join(tmpdir(), "sealroom-test-"));
  const keyFile = `${dataDir}-key/master.key`;
  let clock = Date.UTC(2026, 10, 28, 12, 0, 0);
  const log = memoryLogger();
  let schema: string | undefined;
  if (DIALECT === "postgres") {
    if (!PG_URL) throw new Error("SEALROOM_TEST_POSTGRES_URL is not set for the PostgreSQL pass (run the suite with npm test)");
    schema = `t_${randomBytes(6).toString("hex")}`;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
  }
  const base = loadConfig({ SEALROOM_DATA_DIR: dataDir, SEALROOM_LOG_LEVEL: "debug", ...(schema ? { SEALROOM_DATABASE_URL: PG_URL } : {}) });
  const config = withConfig(base, { passwordCostLog2: 10, ...changes });
  const s = await bootServices(config, {
    log,
    kek: options.keyFile ? await loadOrCreateKeyFile(keyFile) : LocalKek.fromBytes(randomBytes(32)),
    now: () => clock,
    ...(schema ? { store: { searchPath: schema } } : {}),
  });
  const cliUrl = schema ? `${PG_URL}${PG_URL!.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}` : undefined;
  return {
    s,
    logLines: log.lines,
    dataDir,
    cliArgs: ["--data-dir", dataDir, "--key-file", keyFile, ...(cliUrl ? ["--database-url", cliUrl] : [])],
    advance: (ms) => {
      clock += ms;
    },
    close: async () => {
      await s.store.close();
      if (schema) {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${dataDir}-key`, { recursive: true, force: true });
    },
  };
}
