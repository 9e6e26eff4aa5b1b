/**
 * import: items/s of a sealed import through the real pipeline (parse,
 * validate against the template, blind-index, seal, batched insert, one
 * transaction) against the same rows through the same pipeline unsealed
 * (plaintext codec: same batching, same statements), each in a fresh process
 * and a fresh SQLite database; then a 1,000,000-line import's peak RSS.
 * The sealed run hashes and seals on its worker thread, one batch ahead of
 * the inserts (as production does); the unsealed run has nothing to hand
 * off. Both insert on the import thread, which is where the difference
 * left is: a blind index is random, so its B-tree inserts miss the cache.
 *
 * A third run times SQLite alone writing the same rows into the same table
 * (bench/import-child.ts, "ceiling"): the most any import of these rows can
 * reach on this machine, and so how far the 100,000 items/s goal is from
 * what the storage itself allows.
 *
 * BENCH_IMPORT_ITEMS (default 200000) scales the comparison, BENCH_IMPORT_MEMORY_ITEMS
 * (default 1000000, 0 to skip) the memory run, BENCH_IMPORT_TEMPLATE
 * (sft-writing or claim-verification) picks the item shape (~1 KiB each),
 * BENCH_IMPORT_IDS=random gives items random-looking ids (UUID-like) instead
 * of item-0, item-1, … (which an unsealed index stores almost in order, its
 * best case; a blind index is random whatever the ids).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Benchmark } from "./harness.js";

const ROOT = resolve(import.meta.dirname, "..");
const N = Number(process.env["BENCH_IMPORT_ITEMS"] ?? 200_000);
const MEMORY_N = Number(process.env["BENCH_IMPORT_MEMORY_ITEMS"] ?? 1_000_000);
const TEMPLATE = process.env["BENCH_IMPORT_TEMPLATE"] === "claim-verification" ? "claim-verification" : "sft-writing";
const RANDOM_IDS = process.env["BENCH_IMPORT_IDS"] === "random";

interface Run {
  imported: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

/** One item of ~1 KiB of the chosen template. */
function item(i: number): unknown {
  const id = RANDOM_IDS ? createHash("sha256").update(String(i)).digest("hex").slice(0, 32) : `item-${i}`;
  const filler = `Item ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(22)}`.slice(0, 900);
  if (TEMPLATE === "sft-writing") return { id, prompt: filler, context: `context ${i}` };
  const text = filler.slice(0, 700);
  const hash = `sha256:${createHash("sha256").update(text).digest("hex")}`;
  return {
    schema: "verification-item/v0.1",
    item_id: id,
    claim: { text: `Claim ${i} holds.`, language: "en", claim_date: null, speaker: null, context: null },
    question: null,
    sources: [{ source_id: "S1", url: "https://example.org/s", retrieval: { method: "DATASET_IMPORT" }, snapshot: { text, content_hash: hash, char_count: text.length, offset_unit: "unicode_code_point", is_excerpt: true } }],
    synthetic: true,
  };
}

async function writeFile(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < n; i++) if (!out.write(`${JSON.stringify(item(i))}\n`)) await once(out, "drain");
  out.end();
  await once(out, "finish");
}

function measure(file: string, mode: "sealed" | "unsealed" | "ceiling"): Run {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/import-child.ts", file, TEMPLATE, mode], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`import child (${mode}) failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Run;
}

const MiB = 1024 * 1024;

export const importBench: Benchmark = {
  name: "import",
  description: `sealed vs unsealed import of ${N.toLocaleString("en-US")} ${TEMPLATE} items (~1 KiB${RANDOM_IDS ? ", random ids" : ""}), SQLite, fresh process each`,
  async run() {
    const dir = mkdtempSync(join(tmpdir(), "sealroom-bench-files-"));
    try {
      const file = join(dir, "items.jsonl");
      await writeFile(file, N);
      const unsealed = measure(file, "unsealed");
      const sealed = measure(file, "sealed");
      const ceiling = measure(file, "ceiling");
      if (ceiling.imported !== unsealed.imported) throw new Error(`ceiling run stored ${ceiling.imported} rows, the unsealed run ${unsealed.imported}`);
      const figures = [
        { name: "items per run", value: sealed.imported, unit: "items" },
        { name: "file size", value: statSync(file).size / MiB, unit: "MiB" },
        { name: "SQLite alone: same rows, same table, no pipeline", value: ceiling.imported / ceiling.seconds, unit: "items/s" },
        { name: "sealed import / SQLite alone", value: sealed.imported / sealed.seconds / (ceiling.imported / ceiling.seconds), unit: "x" },
        { name: "sealed: CPU time per item", value: (sealed.cpuSeconds / sealed.imported) * 1e6, unit: "µs" },
        { name: "unsealed: CPU time per item", value: (unsealed.cpuSeconds / unsealed.imported) * 1e6, unit: "µs" },
        { name: "sealed: peak RSS", value: sealed.peakRssBytes / MiB, unit: "MiB" },
        { name: "unsealed: peak RSS", value: unsealed.peakRssBytes / MiB, unit: "MiB" },
      ];
      if (MEMORY_N > 0) {
        const big = join(dir, "million.jsonl");
        await writeFile(big, MEMORY_N);
        rmSync(file, { force: true });
        const m = measure(big, "sealed");
        figures.push(
          { name: `${MEMORY_N.toLocaleString("en-US")}-line file`, value: statSync(big).size / MiB, unit: "MiB" },
          { name: `${MEMORY_N.toLocaleString("en-US")}-line sealed import`, value: m.imported / m.seconds, unit: "items/s" },
          { name: `${MEMORY_N.toLocaleString("en-US")}-line sealed import: peak RSS`, value: m.peakRssBytes / MiB, unit: "MiB" },
        );
      }
      const sealedRate = sealed.imported / sealed.seconds;
      const unsealedRate = unsealed.imported / unsealed.seconds;
      return {
        name: "import",
        description: this.description,
        subject: { name: "sealed import", value: sealedRate, unit: "items/s" },
        baseline: { name: "same rows unsealed", value: unsealedRate, unit: "items/s" },
        ratio: sealedRate / unsealedRate,
        figures,
        goal: "sealed >= 0.70 x unsealed, and >= 100,000 items/s on SQLite on a 2-core machine",
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
