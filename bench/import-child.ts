/**
 * One measured import, in a process of its own so its peak RSS is its own:
 * `tsx bench/import-child.ts FILE TEMPLATE sealed|unsealed`. Boots Sealroom on
 * a fresh SQLite folder, imports FILE through the real import pipeline
 * (sealed: importItems; unsealed: the same pipeline with a plaintext codec),
 * and prints one JSON line with the counts, seconds and peak RSS.
 */
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
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

const [file, template, mode] = process.argv.slice(2) as [string, "sft-writing" | "claim-verification", "sealed" | "unsealed"];

/** What storing without sealing looks like: the external id in the clear, no fingerprint, the payload as plain bytes. */
const plaintext: ItemCodec = {
  encode: async (items) => ({ externalKeys: items.map((i) => i.externalId), contentKeys: items.map(() => ""), payloads: items.map((i) => Buffer.from(i.content, "utf8")) }),
  close: async () => undefined,
};

const dir = mkdtempSync(join(tmpdir(), "sealroom-bench-import-"));
const s = await bootServices(loadConfig({ SEALROOM_DATA_DIR: dir, SEALROOM_LOG_LEVEL: "silent" }), { log: createLogger("silent"), kek: LocalKek.fromBytes(randomBytes(32)) });
try {
  const tenant = await createTenant(s, { slug: "bench", name: "Bench" }, TERMINAL);
  const project = await s.store.transaction((tx) => createProject(s, tx, tenant.id, { slug: "p", name: "P", template }, TERMINAL));
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
