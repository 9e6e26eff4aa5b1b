/**
 * Importing items into a project from a file, the way lab data arrives
 * (JSONL, CSV, Label Studio JSON), streamed in bounded memory: records are
 * read a chunk at a time, validated against the project template's item
 * schema, and written in batches of BATCH_ITEMS, sealed.
 *
 * All or nothing by default: the whole run is one transaction, so a bad line,
 * a dropped upload or a crash leaves no item and no published record behind;
 * once a line has failed, later lines are still validated (so every error is
 * reported in one go) but no longer written. With skipInvalid the valid lines
 * are imported and each invalid one goes to `onReject`. Re-importing is
 * idempotent on the external id; a changed item is reported, never overwritten.
 */
import { createHash } from "node:crypto";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError, isSealroomError, type FieldIssue } from "../domain/errors.js";
import { itemTemplate } from "../domain/templates/index.js";
import type { ItemTemplate } from "../domain/templates/template.js";
import { stableJson } from "../domain/templates/stable-json.js";
import { readRecords } from "../formats/read.js";
import type { ImportFormat, InputRecord } from "../formats/records.js";
import { insertImport, type ImportRow } from "../store/repos/imports.js";
import { lockProjectForWrite } from "../store/repos/items.js";
import type { ProjectRow } from "../store/repos/projects.js";
import { findTenant } from "../store/repos/tenants.js";
import type { Tx } from "../store/store.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { sealedItemCodec, type ItemCodec } from "./item-codec.js";
import { ItemWriter, type BatchOutcome, type PendingItem } from "./item-writer.js";
import { importTarget } from "./import-target.js";

/** Items per write (and per blind-index lookup). */
export const BATCH_ITEMS = 1000;
/** Errors, changed items and rejected lines reported back at most (all are counted). */
export const REPORT_LIMIT = 100;

/** One problem on one line. */
export interface LineError {
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

/** A line left out by skipInvalid, for the rejects file. */
export interface RejectedLine {
  readonly line: number;
  readonly errors: readonly FieldIssue[];
  readonly raw: string;
}

/** How far an import has read and written. */
export interface ImportProgress {
  readonly bytes: number;
  readonly records: number;
  readonly imported: number;
}

/** How to read the file, and where to report rejects and progress. */
export interface ImportOptions {
  readonly format: ImportFormat;
  /** The file's name as the lab knows it (sealed in the import record). */
  readonly fileName: string;
  readonly skipInvalid: boolean;
  readonly onReject?: (r: RejectedLine) => void | Promise<void>;
  readonly onProgress?: (p: ImportProgress) => void;
}

/** The outcome of a published import. */
export interface ImportSummary {
  readonly importId: string;
  readonly projectId: string;
  readonly status: "published";
  readonly format: ImportFormat;
  readonly total: number;
  readonly imported: number;
  readonly skippedDuplicates: number;
  readonly changed: number;
  readonly rejected: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly changedItems: ReadonlyArray<{ line: number; externalId: string }>;
  readonly rejectedLines: readonly LineError[];
}

interface Counts {
  total: number;
  imported: number;
  skippedDuplicates: number;
  changed: number;
  rejected: number;
}

/** Streams `source` into a project of a tenant; see the file header for the guarantees. */
export async function importItems(
  s: Services,
  target: { tenant: string; project: string },
  source: AsyncIterable<Uint8Array>,
  options: ImportOptions,
  caller: Caller,
): Promise<ImportSummary> {
  const { tenant, project } = await importTarget(s, target.tenant, target.project);
  // Keys may need creating: do it before the transaction (see src/store/store.ts).
  const codec = await sealedItemCodec(s, tenant.id, { worker: true });
  try {
    return await runImport(s, project, codec, source, options, caller);
  } finally {
    await codec.close();
  }
}

/**
 * The import pipeline over a given codec (the caller closes it). Production
 * passes sealedItemCodec; the benchmark passes a plaintext one to measure
 * what sealing costs.
 */
export async function runImport(
  s: Services,
  project: ProjectRow,
  codec: ItemCodec,
  source: AsyncIterable<Uint8Array>,
  options: ImportOptions,
  caller: Caller,
): Promise<ImportSummary> {
  const sealer = await s.sealer.forTenant(project.tenant_id);
  const run = new ImportRun(itemTemplate(project.template), options);
  const startedAt = s.now();
  const importId = uuidv7(startedAt);
  const meter = new Meter();
  try {
    return await s.store.transaction(async (tx) => {
      const lastSeq = await lockProjectForWrite(tx, project.tenant_id, project.id, startedAt);
      if (lastSeq === undefined) throw new SealroomError("not_found", "No such project.");
      // Shredded since the keys were loaded: writing under destroyed keys would store unreadable rows.
      if ((await findTenant(tx, project.tenant_id))?.status === "shredded") throw new SealroomError("shredded", "This tenant was shredded; it cannot take new data.");
      const writer = new ItemWriter(tx, { tenantId: project.tenant_id, projectId: project.id }, codec, lastSeq, s.now);
      await run.consume(readRecords(options.format, meter.wrap(source), run.template.csv), writer, meter);
      run.assertPublishable();
      const row = importRow(project, importId, caller, options, run.counts, "published", startedAt, s.now());
      row.file_name = sealer.seal({ tenantId: project.tenant_id, table: "imports", rowId: importId, field: "file_name" }, Buffer.from(options.fileName, "utf8"));
      row.file_sha256 = sealer.seal({ tenantId: project.tenant_id, table: "imports", rowId: importId, field: "file_sha256" }, Buffer.from(meter.sha256(), "utf8"));
      await insertImport(tx, row);
      await s.audit.record(tx, importEvent(caller, row, "success"));
      return run.summary(importId, project.id, meter);
    });
  } catch (e) {
    await recordFailure(s, project, importId, caller, options, run.counts, startedAt, meter).catch(() => undefined);
    throw e;
  }
}

/**
 * Validation and batching state of one run. Writing is pipelined one batch
 * deep: while batch k is encoded (on the codec's worker, when it has one),
 * batch k-1 is stored and the records of batch k+1 are read and validated.
 */
class ImportRun {
  readonly counts: Counts = { total: 0, imported: 0, skippedDuplicates: 0, changed: 0, rejected: 0 };
  readonly errors: LineError[] = [];
  readonly changedItems: Array<{ line: number; externalId: string }> = [];
  #pending: PendingItem[] = [];
  /** The store of the batches handed over so far, in order. */
  #stored: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    readonly template: ItemTemplate,
    private readonly options: ImportOptions,
  ) {}

  async consume(chunks: AsyncIterable<InputRecord[]>, writer: ItemWriter, meter: Meter): Promise<void> {
    try {
      for await (const records of chunks) {
        for (const r of records) await this.#take(r, writer);
        this.options.onProgress?.({ bytes: meter.bytes, records: this.counts.total, imported: this.counts.imported });
      }
      await this.#flush(writer);
      await this.#stored;
      this.options.onProgress?.({ bytes: meter.bytes, records: this.counts.total, imported: this.counts.imported });
    } finally {
      // Never leave the transaction with a store still running: it would go on outside it.
      this.#stopped = true;
      await this.#stored.catch(() => undefined);
    }
  }

  /** Throws (rolling the transaction back) unless this run may be published. */
  assertPublishable(): void {
    if (this.counts.rejected > 0 && !this.options.skipInvalid) {
      const first = this.errors[0];
      const lines = this.counts.rejected === 1 ? "1 line is invalid" : `${this.counts.rejected} lines are invalid`;
      throw new SealroomError("validation_failed", `${lines}; nothing was imported.${first ? ` First: line ${first.line}: ${first.path}: ${first.message}` : ""}`, {
        errors: this.errors,
        errorCount: this.counts.rejected,
        issues: this.errors.map((e) => ({ path: `line ${e.line}: ${e.path}`, message: e.message })),
      });
    }
    if (this.counts.total === this.counts.rejected) {
      const what = this.counts.total === 0 ? "The file holds no items." : "The file holds no valid items; nothing was imported.";
      throw new SealroomError("validation_failed", what, { errors: this.errors, errorCount: this.counts.rejected });
    }
  }

  summary(importId: string, projectId: string, meter: Meter): ImportSummary {
    return {
      importId,
      projectId,
      status: "published",
      format: this.options.format,
      ...this.counts,
      bytes: meter.bytes,
      sha256: meter.sha256(),
      changedItems: this.changedItems,
      rejectedLines: this.errors,
    };
  }

  async #take(r: InputRecord, writer: ItemWriter): Promise<void> {
    this.counts.total++;
    let issues: FieldIssue[];
    if (r.issue) {
      issues = [r.issue];
    } else {
      const checked = this.template.check(r.value);
      if (checked.ok) {
        const pending = toPending(r.line, checked.item);
        if ("content" in pending) {
          // Once a line has failed an all-or-nothing run, nothing more is written.
          if (this.counts.rejected > 0 && !this.options.skipInvalid) return;
          this.#pending.push(pending);
          if (this.#pending.length >= BATCH_ITEMS) await this.#flush(writer);
          return;
        }
        issues = [pending];
      } else {
        issues = checked.issues;
      }
    }
    this.counts.rejected++;
    for (const i of issues) if (this.errors.length < REPORT_LIMIT) this.errors.push({ line: r.line, path: i.path, message: i.message });
    if (this.options.skipInvalid) await this.options.onReject?.({ line: r.line, errors: issues, raw: r.raw });
  }

  async #flush(writer: ItemWriter): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0 || (this.counts.rejected > 0 && !this.options.skipInvalid)) return;
    const prepared = writer.prepare(batch);
    prepared.catch(() => undefined); // observed below, through #stored
    const previous = this.#stored;
    this.#stored = previous.then(async () => {
      const ready = await prepared;
      if (!this.#stopped) this.#tally(await writer.store(ready));
    });
    this.#stored.catch(() => undefined); // observed by the next flush or by consume
    // Back-pressure: the batch before this one must be stored before more is read.
    await previous;
  }

  #tally(outcome: BatchOutcome): void {
    this.counts.imported += outcome.imported;
    this.counts.skippedDuplicates += outcome.duplicates;
    this.counts.changed += outcome.changed.length;
    for (const c of outcome.changed) if (this.changedItems.length < REPORT_LIMIT) this.changedItems.push(c);
  }
}

function toPending(line: number, item: { value: unknown; externalId: string; isGold: boolean }): PendingItem | FieldIssue {
  try {
    return { line, externalId: item.externalId, isGold: item.isGold, content: stableJson(item.value) };
  } catch (e) {
    return { path: "(item)", message: isSealroomError(e) ? e.message : "cannot be stored" };
  }
}

/** Counts and hashes the bytes as they stream past. */
class Meter {
  bytes = 0;
  #hash = createHash("sha256");
  #digest: string | undefined;

  async *wrap(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.bytes += chunk.byteLength;
      this.#hash.update(chunk);
      yield chunk;
    }
    this.#digest = this.#hash.digest("hex");
  }

  /** The file's SHA-256 (hex), or "" when the stream did not end. */
  sha256(): string {
    return this.#digest ?? "";
  }
}

function importRow(project: ProjectRow, id: string, caller: Caller, options: ImportOptions, counts: Counts, status: ImportRow["status"], startedAt: number, finishedAt: number): ImportRow {
  return {
    tenant_id: project.tenant_id,
    id,
    project_id: project.id,
    actor_type: caller.actorType,
    actor_id: caller.actorId,
    format: options.format,
    file_name: Buffer.alloc(0),
    file_sha256: null,
    ...{ total: counts.total, imported: counts.imported, skipped_duplicates: counts.skippedDuplicates, changed: counts.changed, rejected: counts.rejected },
    status,
    started_at: startedAt,
    finished_at: finishedAt,
  };
}

/** The audit event of an import: counts only (file names and item ids are tenant data, never logged in the clear). */
function importEvent(caller: Caller, row: ImportRow, outcome: "success" | "failure") {
  return eventBy(caller, {
    tenantId: row.tenant_id,
    action: "item.import",
    objectType: "import",
    objectId: row.id,
    outcome,
    detail: { projectId: row.project_id, format: row.format, total: row.total, imported: row.imported, skippedDuplicates: row.skipped_duplicates, changed: row.changed, rejected: row.rejected },
  });
}

/** Records a failed run (nothing of it was kept) in its own transaction, after the rollback. */
async function recordFailure(s: Services, project: ProjectRow, importId: string, caller: Caller, options: ImportOptions, counts: Counts, startedAt: number, meter: Meter): Promise<void> {
  const row = importRow(project, importId, caller, options, { ...counts, imported: 0 }, "failed", startedAt, s.now());
  const at = (field: string) => ({ tenantId: project.tenant_id, table: "imports", rowId: importId, field });
  row.file_name = await s.sealer.seal(at("file_name"), options.fileName);
  if (meter.sha256()) row.file_sha256 = await s.sealer.seal(at("file_sha256"), meter.sha256());
  await s.store.transaction(async (tx: Tx) => {
    await insertImport(tx, row);
    await s.audit.record(tx, importEvent(caller, row, "failure"));
  });
}
