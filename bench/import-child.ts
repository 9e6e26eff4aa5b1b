/**
 * One measured import, in a process of its own so its peak RSS is its own:
 * `tsx bench/import-child.ts FILE TEMPLATE sealed|unsealed|ceiling`. Boots
 * Sealroom on a fresh SQLite folder the way the server does (WAL checkpoints
 * on the background thread, so an import through the HTTP endpoint is what
 * is measured), imports FILE through the real import pipeline (sealed:
 * importItems; unsealed: the same pipeline with a plaintext codec), and prints
 * one JSON line with the counts, seconds and peak RSS.
 *
 * ceiling: no pipeline at all. The file's lines are read into memory and
 * given row ids first (untimed); then only SQLite is timed, inserting them
 * as the unsealed run's rows (external id in the clear, the line as payload)
 * into the same migrated items table with its indexes, through one prepared
 * multi-row statement on a connection with the store's pragmas. What this
 * machine's SQLite can write of these rows is the most any import could reach.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { uuidv7 } from "../src/auth/ids.js";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/config.js";
import { bootServices } from "../src/launcher/services.js";
import { createLogger } from "../src/log/logger.js";
import { LocalKek } from "../src/seal/kek.js";
import { TERMINAL } from "../src/services/context.js";
import { importItems, runImport } from "../src/services/import.js";
import type { ItemCodec } from "../src/services/item-codec.js";
import { createProject } from "../src/services/projects.js";
import { createTenant } from "../src/services/tenants.js";

const [file, template, mode] = process.argv.slice(2) as [string, "sft-writing" | "claim-verification", "sealed" | "unsealed" | "ceiling"];

/** What storing without sealing looks like: the external id in the clear, no fingerprint, the payload as plain bytes. */
const plaintext: ItemCodec = {
  encode: async (items) => ({ externalKeys: items.map((i) => i.externalId), contentKeys: items.map(() => ""), payloads: items.map((i) => Buffer.from(i.content, "utf8")) }),
  close: async () => undefined,
};

const dir = mkdtempSync(join(tmpdir(), "sealroom-bench-import-"));
const s = await bootServices(loadConfig({ SEALROOM_DATA_DIR: dir, SEALROOM_LOG_LEVEL: "silent" }), { log: createLogger("silent"), kek: LocalKek.fromBytes(randomBytes(32)), store: { backgroundCheckpoints: true } });
try {
  const tenant = await createTenant(s, { slug: "bench", name: "Bench" }, TERMINAL);
  const project = await s.store.transaction((tx) => createProject(s, tx, tenant.id, { slug: "p", name: "P", template }, TERMINAL));
  if (mode === "ceiling") {
    await s.store.close();
    const r = ceiling(join(dir, "sealroom.db"), tenant.id, project.id);
    process.stdout.write(`${JSON.stringify({ mode, ...r, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
    process.exit(0);
  }
  let peakRss = process.memoryUsage().rss;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const options = { format: "jsonl" as const, fileName: "bench.jsonl", skipInvalid: false, onProgress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)) };
  const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const r =
    mode === "sealed"
      ? await importItems(s, { tenant: "bench", project: "p" }, source, options, TERMINAL)
      : await runImport(s, project, plaintext, source, options, TERMINAL);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sample);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    `${JSON.stringify({ mode, imported: r.imported, bytes: r.bytes, seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRssBytes: Math.max(peakRss, maxRss) })}\n`,
  );
} finally {
  await s.store.close();
  rmSync(dir, { recursive: true, force: true });
}

/** SQLite alone: the file's lines as item rows, one transaction, 100 rows a statement (see the header). */
function ceiling(path: string, tenantId: string, projectId: string): { imported: number; bytes: number; seconds: number; cpuSeconds: number } {
  const text = readFileSync(file);
  const lines: Buffer[] = [];
  for (let start = 0, nl = text.indexOf(10); nl !== -1; start = nl + 1, nl = text.indexOf(10, start)) lines.push(text.subarray(start, nl));
  const created = Date.now();
  const rows = lines.map((payload, i) => [tenantId, projectId, uuidv7(created), `item-${i}`, i + 1, 0, payload, created, ""]);
  const db = new BetterSqlite3(path);
  // The store's pragmas (src/store/dialects/sqlite.ts), commits not checkpointing as under the server.
  for (const p of ["journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "cache_size = -65536", "secure_delete = ON", "wal_autocheckpoint = 0"]) db.pragma(p);
  const PER = 100;
  const values = Array.from({ length: PER }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
  const insert = db.prepare(`insert into items (tenant_id, project_id, id, external_key, seq, is_gold, payload, created_at, content_key) values ${values} on conflict do nothing`);
  const started = performance.now();
  const cpu = process.cpuUsage();
  db.exec("begin immediate");
  let imported = 0;
  let i = 0;
  for (; i + PER <= rows.length; i += PER) imported += insert.run(rows.slice(i, i + PER).flat()).changes;
  if (i < rows.length) {
    const one = db.prepare(`insert into items (tenant_id, project_id, id, external_key, seq, is_gold, payload, created_at, content_key) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`);
    for (; i < rows.length; i++) imported += one.run(rows[i]).changes;
  }
  db.exec("commit");
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  db.close();
  return { imported, bytes: text.length, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}
