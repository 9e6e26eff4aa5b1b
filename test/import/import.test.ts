/**
 * The import service on the real database (both dialects): all or nothing by
 * default, errors by line and field, --skip-invalid with rejects, idempotent
 * re-import, changed items reported not overwritten, the three formats, an
 * exact item counter, the import record and its audit entry.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSealroomError, type SealroomError } from "../../src/domain/errors.js";
import { TERMINAL } from "../../src/services/context.js";
import { importItems, type ImportOptions, type RejectedLine } from "../../src/services/import.js";
import { listProjectImports } from "../../src/services/import-records.js";
import { createProject, getProject } from "../../src/services/projects.js";
import { createTenant } from "../../src/services/tenants.js";
import { countProjectItems, listItemsPage } from "../../src/store/repos/items.js";
import type { TenantRow } from "../../src/store/repos/tenants.js";
import { chunks, claimCsv, claimItem, jsonl, labelStudio } from "../support/items.js";
import { makeServices, type TestContext } from "../support/services.js";

const ROOT = resolve(import.meta.dirname, "../..");
let t: TestContext;
let tenant: TenantRow;
beforeEach(async () => {
  t = await makeServices();
  tenant = await createTenant(t.s, { slug: "lab", name: "Lab" }, TERMINAL);
  await t.s.store.transaction((tx) => createProject(t.s, tx, tenant.id, { slug: "claims", name: "Claims", template: "claim-verification" }, TERMINAL));
});
afterEach(async () => t.close());

const options = (o: Partial<ImportOptions> = {}): ImportOptions => ({ format: "jsonl", fileName: "items.jsonl", skipInvalid: false, ...o });
const run = (text: string, o: Partial<ImportOptions> = {}) => importItems(t.s, { tenant: "lab", project: "claims" }, chunks(text, 4096), options(o), TERMINAL);
const items = (n: number, prefix = "item") => Array.from({ length: n }, (_, i) => claimItem(`${prefix}-${i + 1}`));

async function itemCount(): Promise<{ counter: number; rows: number }> {
  const p = await getProject(t.s, tenant.id, "claims");
  return { counter: p.item_count, rows: await countProjectItems(t.s.store.db, tenant.id, p.id) };
}

/** Lines 1..15 of claim items where line 7 is broken JSON and line 12 lacks claim.text. */
function badFile(): string {
  const lines = items(15).map((i) => JSON.stringify(i));
  lines[6] = lines[6]!.slice(0, -5);
  const twelve = claimItem("item-12") as { claim: Record<string, unknown> };
  delete twelve.claim["text"];
  lines[11] = JSON.stringify(twelve);
  return lines.join("\n") + "\n";
}

async function failure(p: Promise<unknown>): Promise<SealroomError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isSealroomError(e)) throw new Error(`expected a SealroomError, got ${String(e)}`);
  return e;
}

describe("import", () => {
  it("a bad file reports every error by line and field and imports nothing", async () => {
    await run(jsonl(items(3, "before")));
    const before = await itemCount();
    const e = await failure(run(badFile()));
    expect(e.code).toBe("validation_failed");
    const errors = e.details["errors"] as Array<{ line: number; path: string; message: string }>;
    expect(errors.map((x) => [x.line, x.path])).toEqual([
      [7, "(line)"],
      [12, "claim.text"],
    ]);
    expect(errors[0]!.message).toMatch(/not valid JSON/);
    expect(await itemCount()).toEqual(before);
    expect(before).toEqual({ counter: 3, rows: 3 });
    const records = await listProjectImports(t.s, tenant.id, "claims", TERMINAL);
    expect(records.map((r) => r.row.status)).toEqual(["failed", "published"]);
    // Opening the sealed file names is itself an audited read.
    const last = await t.s.store.db.selectFrom("audit_entries").select(["action", "tenant_id"]).orderBy("seq", "desc").limit(1).executeTakeFirstOrThrow();
    expect(last).toEqual({ action: "imports.read", tenant_id: tenant.id });
    expect(records[0]!.row).toMatchObject({ imported: 0, total: 15, rejected: 2 });
  });

  it("skipInvalid imports the valid lines and hands each invalid one, raw, to onReject", async () => {
    const rejects: RejectedLine[] = [];
    const r = await run(badFile(), { skipInvalid: true, onReject: (x) => void rejects.push(x) });
    expect(r).toMatchObject({ total: 15, imported: 13, rejected: 2, skippedDuplicates: 0, changed: 0 });
    expect(rejects.map((x) => [x.line, x.errors[0]!.path])).toEqual([
      [7, "(line)"],
      [12, "claim.text"],
    ]);
    expect(rejects[1]!.raw).toBe(badFile().split("\n")[11]);
    expect(await itemCount()).toEqual({ counter: 13, rows: 13 });
  });

  it("re-importing the same file adds nothing; a changed item is reported, not overwritten", async () => {
    const first = await run(jsonl(items(20)));
    expect(first).toMatchObject({ imported: 20, skippedDuplicates: 0 });
    const again = await run(jsonl(items(20)));
    expect(again).toMatchObject({ imported: 0, skippedDuplicates: 20, changed: 0 });
    const edited = items(21);
    edited[4] = claimItem("item-5", "An edited claim.");
    const third = await run(jsonl(edited));
    expect(third).toMatchObject({ imported: 1, skippedDuplicates: 19, changed: 1 });
    expect(third.changedItems).toEqual([{ line: 5, externalId: "item-5" }]);
    expect(await itemCount()).toEqual({ counter: 21, rows: 21 });
    const p = await getProject(t.s, tenant.id, "claims");
    const rows = await listItemsPage(t.s.store.db, tenant.id, p.id, 0, 100);
    const texts = await Promise.all(rows.map(async (row) => JSON.parse(await t.s.sealer.openText({ tenantId: tenant.id, table: "items", rowId: row.id, field: "payload" }, row.payload)).claim.text));
    expect(texts).toContain("The sky over item-5 is blue.");
    expect(texts).not.toContain("An edited claim.");
    // seq follows import order and never repeats (a skipped duplicate may leave a gap).
    const seqs = rows.map((r) => r.seq);
    expect(seqs.every((q, i) => i === 0 || q > seqs[i - 1]!)).toBe(true);
    expect(seqs.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("large batches (sealed on a worker thread) and small ones (inline) agree: every item opens, and re-imports match", async () => {
    const big = items(1500, "big");
    expect(await run(jsonl(big))).toMatchObject({ imported: 1500 });
    expect(await run(jsonl(big))).toMatchObject({ imported: 0, skippedDuplicates: 1500 });
    expect(await run(jsonl(big.slice(0, 10)))).toMatchObject({ imported: 0, skippedDuplicates: 10 });
    const p = await getProject(t.s, tenant.id, "claims");
    const rows = await listItemsPage(t.s.store.db, tenant.id, p.id, 0, 2000);
    expect(rows).toHaveLength(1500);
    for (const row of [rows[0]!, rows[777]!, rows[1499]!]) {
      const item = JSON.parse(await t.s.sealer.openText({ tenantId: tenant.id, table: "items", rowId: row.id, field: "payload" }, row.payload));
      expect(item.item_id).toBe(`big-${row.seq}`);
    }
  });

  it("the same id twice in one file: the repeat is a duplicate, a different second version is changed", async () => {
    const r = await run(jsonl([claimItem("a"), claimItem("a"), claimItem("a", "Other text.")]));
    expect(r).toMatchObject({ imported: 1, skippedDuplicates: 1, changed: 1 });
  });

  it("key order does not make an item look changed", async () => {
    await run(jsonl([claimItem("k")]));
    const reordered = Object.fromEntries(Object.entries(claimItem("k")).reverse());
    expect(await run(jsonl([reordered]))).toMatchObject({ imported: 0, skippedDuplicates: 1, changed: 0 });
  });

  it("reads CSV (JSON columns, dotted headers, quoted line breaks) and Label Studio tasks", async () => {
    const csvItems = items(5, "csv");
    (csvItems[2] as { claim: { text: string } }).claim.text = 'A claim, with "quotes"\nand a line break.';
    const viaCsv = await run(claimCsv(csvItems), { format: "csv", fileName: "items.csv" });
    expect(viaCsv).toMatchObject({ total: 5, imported: 5, rejected: 0 });
    const viaLs = await run(labelStudio(items(4, "ls")), { format: "labelstudio", fileName: "tasks.json" });
    expect(viaLs).toMatchObject({ total: 4, imported: 4 });
    expect(await run(claimCsv(csvItems), { format: "csv" })).toMatchObject({ imported: 0, skippedDuplicates: 5 });
    expect(await itemCount()).toEqual({ counter: 9, rows: 9 });
  });

  it("records who imported what file (sealed name and hash) and writes the audit entry with counts only", async () => {
    const text = jsonl(items(2));
    const r = await run(text, { fileName: "lab-batch-7.jsonl" });
    const [record] = await listProjectImports(t.s, tenant.id, "claims", TERMINAL);
    expect(record).toMatchObject({ fileName: "lab-batch-7.jsonl", sha256: r.sha256 });
    expect(record!.row).toMatchObject({ id: r.importId, status: "published", actor_type: "system", actor_id: "cli", total: 2, imported: 2 });
    const { createHash } = await import("node:crypto");
    expect(r.sha256).toBe(createHash("sha256").update(text).digest("hex"));
    const audit = await t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "item.import").where("object_id", "=", r.importId).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).not.toContain("lab-batch-7");
  });

  it("an empty file, a file with only bad lines, and an unknown project fail cleanly", async () => {
    expect((await failure(run(""))).code).toBe("validation_failed");
    expect((await failure(run("not json\n", { skipInvalid: true }))).code).toBe("validation_failed");
    expect((await failure(importItems(t.s, { tenant: "lab", project: "nope" }, chunks("{}"), options(), TERMINAL))).code).toBe("not_found");
    expect(await itemCount()).toEqual({ counter: 0, rows: 0 });
  });

  it("a stream that breaks midway leaves nothing behind", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(jsonl(items(2500)));
      throw new Error("connection reset");
    }
    await expect(importItems(t.s, { tenant: "lab", project: "claims" }, broken(), options(), TERMINAL)).rejects.toThrow("connection reset");
    expect(await itemCount()).toEqual({ counter: 0, rows: 0 });
  });

  it("streams in bounded memory: a ~110 MB file imports in a process whose heap is capped at 64 MB", { timeout: 240_000 }, async () => {
    const child = spawnSync(process.execPath, ["--max-old-space-size=64", "--import", "tsx", "test/import/fixtures/bounded-import.ts", "60000"], {
      cwd: ROOT,
      env: process.env,
      encoding: "utf8",
      timeout: 220_000,
    });
    expect(child.status, child.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(child.stdout.trim().split("\n").pop()!) as { imported: number; bytes: number; peakHeapBytes: number };
    expect(out.imported).toBe(60_000);
    expect(out.bytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(out.peakHeapBytes).toBeLessThan(80 * 1024 * 1024);
  });
});
