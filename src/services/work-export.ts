/**
 * Export-ready answers: one record per resolved item, in the template's
 * export shape (template.exportRecord), from the item's resolution (its final
 * answer, re-checked against the item before it leaves).
 *
 * Every export is recorded (export.download, objectType "export", a fresh
 * export id, detail {projectId, count}) before anything of it is opened, so
 * exposure reports can list it. A page over HTTP is one export; a whole file
 * from the CLI is one export, counted first (ids only) and bounded to what was
 * counted, so the recorded count is exact even while items keep resolving.
 * Exports of a paused tenant or project are refused (and recorded).
 *
 * `format: "preference"` pairs model assist with people: one record per
 * resolved item whose final answer differs from the model's (valid) draft,
 * {item_id, prompt (the chat messages the model was given), chosen (the
 * final answer), rejected (the model's draft), chosen_by (the method)}. Items
 * without a draft, or where the people kept the draft unchanged, give none.
 *
 * Method names follow the design's ItemResolution: unanimous → UNANIMOUS,
 * reviewed → REVIEWED, adjudicated → ADJUDICATED. A single answer that
 * resolved without review is UNANIMOUS (one annotation, no dissent), never
 * REVIEWED: no reviewer saw it. `annotation_ids` (length 1) tells it apart.
 */
import { EXPORT_DOWNLOAD } from "../audit/actions.js";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import { own } from "../domain/templates/answers/check.js";
import type { ExportMeta, Item } from "../domain/templates/answers/index.js";
import { stableJson } from "../domain/templates/stable-json.js";
import { assistPrompt } from "../domain/work/assist-prompt.js";
import { okAssistsOfItems } from "../store/repos/assist.js";
import { annotationIdsOfItems, itemPayloads, resolutionIdsPage } from "../store/repos/agreement.js";
import { resolutionsPage, type ResolutionRow } from "../store/repos/resolutions.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { openItem, type WorkContext } from "./work-access.js";
import { openAssistDraft } from "./work-assist.js";
import { blocked, pausedReason } from "./work-pause.js";
import { recheck } from "./work-submit.js";

/** Largest page an export request may ask for. */
export const MAX_EXPORT_PAGE = 500;
/** Resolutions read per page when writing a whole export. */
const FILE_PAGE = 200;

const METHOD: Readonly<Record<ResolutionRow["method"], NonNullable<ExportMeta["method"]>>> = {
  single: "UNANIMOUS",
  unanimous: "UNANIMOUS",
  reviewed: "REVIEWED",
  adjudicated: "ADJUDICATED",
};

/** The default records (the template's export shape), or model-versus-human preference pairs. */
export type ExportFormat = "records" | "preference";

/** One page of an export. */
export interface ExportPage {
  readonly exportId: string;
  readonly records: Array<Record<string, unknown>>;
  /** The cursor (?after=) of the next page; null on the last. */
  readonly next: string | null;
}

/** A page of export records after resolution `after` (keyset on the resolution id); one audited export. */
export async function exportPage(s: Services, ctx: WorkContext, userId: string | null, after: string, limit: number, caller: Caller, format: ExportFormat = "records"): Promise<ExportPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXPORT_PAGE) throw new SealroomError("bad_request", `limit must be 1 to ${MAX_EXPORT_PAGE}.`);
  await refuseIfPaused(s, ctx, userId, caller);
  const rows = await resolutionsPage(s.store.db, ctx.tenant.id, ctx.project.id, after, limit);
  const exportId = await recordExport(s, ctx, rows.length, caller, format);
  return { exportId, records: await recordsIn(s, ctx, rows, format), next: rows.length === limit ? rows[rows.length - 1]!.id : null };
}

/** Writes every export record of the project, one JSON line each, through `write`; one audited export. */
export async function exportAll(
  s: Services,
  ctx: WorkContext,
  userId: string | null,
  write: (line: string) => Promise<void>,
  caller: Caller,
  format: ExportFormat = "records",
): Promise<{ exportId: string; count: number }> {
  await refuseIfPaused(s, ctx, userId, caller);
  const { count, last } = await countResolutions(s, ctx);
  const exportId = await recordExport(s, ctx, count, caller, format);
  let after = "";
  let lines = 0;
  let written = 0;
  while (written < count) {
    const page = await resolutionsPage(s.store.db, ctx.tenant.id, ctx.project.id, after, FILE_PAGE);
    const rows = page.filter((r) => r.id <= last).slice(0, count - written);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (const record of await recordsIn(s, ctx, rows, format)) {
      await write(`${JSON.stringify(record)}\n`);
      lines++;
    }
    written += rows.length;
  }
  return { exportId, count: lines };
}

/** The number of resolutions now and the last id among them (the export's upper bound). */
async function countResolutions(s: Services, ctx: WorkContext): Promise<{ count: number; last: string }> {
  let count = 0;
  let last = "";
  for (;;) {
    const ids = await resolutionIdsPage(s.store.db, ctx.tenant.id, ctx.project.id, last, 5_000);
    if (ids.length === 0) break;
    count += ids.length;
    last = ids[ids.length - 1]!;
  }
  return { count, last };
}

/** Records the export (before anything of it is opened) and returns its id. */
async function recordExport(s: Services, ctx: WorkContext, count: number, caller: Caller, format: ExportFormat): Promise<string> {
  const exportId = uuidv7(s.now());
  // `count` is the resolutions covered; a preference export writes a record for those of them that differ from the model.
  const detail = { projectId: ctx.project.id, count, ...(format === "preference" ? { format } : {}) };
  await s.store.transaction((tx) => s.audit.record(tx, eventBy(caller, { tenantId: ctx.tenant.id, action: EXPORT_DOWNLOAD, objectType: "export", objectId: exportId, detail })));
  return exportId;
}

/** Exports stop while the tenant or project is paused; a person's attempt is recorded like any blocked work. */
async function refuseIfPaused(s: Services, ctx: WorkContext, userId: string | null, caller: Caller): Promise<void> {
  const reason = pausedReason(ctx.tenant, ctx.project);
  if (reason === null) return;
  if (userId !== null) throw await blocked(s, { tenantId: ctx.tenant.id, projectId: ctx.project.id }, userId, "export", reason, caller);
  throw new SealroomError("paused", reason, { reason });
}

/** Opens each resolution and its item and builds the template's export record. */
async function recordsOf(s: Services, ctx: WorkContext, rows: readonly ResolutionRow[]): Promise<Array<Record<string, unknown>>> {
  const itemIds = rows.map((r) => r.item_id);
  const annotations = await annotationIdsOfItems(s.store.db, ctx.tenant.id, itemIds);
  const items = new Map((await itemPayloads(s.store.db, ctx.tenant.id, itemIds)).map((r) => [r.id, r]));
  const out: Array<Record<string, unknown>> = [];
  for (const r of rows) {
    const payload = items.get(r.item_id);
    if (!payload) throw new SealroomError("internal", "a resolution names an item that does not exist");
    const item = await openItem(s, payload);
    const body = JSON.parse(await s.sealer.openText({ tenantId: r.tenant_id, table: "resolutions", rowId: r.id, field: "body" }, r.body)) as unknown;
    const meta: ExportMeta = { resolution_id: r.id, method: METHOD[r.method], annotation_ids: annotations.get(r.item_id) ?? (r.answer_id ? [r.answer_id] : []) };
    out.push(ctx.template.exportRecord(item, recheck(ctx, item, body), meta));
  }
  return out;
}

/** The records of some resolutions in the export's format. */
function recordsIn(s: Services, ctx: WorkContext, rows: readonly ResolutionRow[], format: ExportFormat): Promise<Array<Record<string, unknown>>> {
  return format === "preference" ? preferenceRecordsOf(s, ctx, rows) : recordsOf(s, ctx, rows);
}

/** The item's own id (item_id or id), as the lab knows it. */
function labId(item: Item, fallback: string): string {
  const id = own(item, "item_id") ?? own(item, "id");
  return typeof id === "string" ? id : fallback;
}

/** (model draft, human final) pairs for the resolutions whose item has a valid draft that the final answer changed. */
async function preferenceRecordsOf(s: Services, ctx: WorkContext, rows: readonly ResolutionRow[]): Promise<Array<Record<string, unknown>>> {
  const drafts = new Map((await okAssistsOfItems(s.store.db, ctx.tenant.id, rows.map((r) => r.item_id))).map((a) => [a.item_id, a]));
  const items = new Map((await itemPayloads(s.store.db, ctx.tenant.id, [...drafts.keys()])).map((r) => [r.id, r]));
  const out: Array<Record<string, unknown>> = [];
  for (const r of rows) {
    const assist = drafts.get(r.item_id);
    const payload = items.get(r.item_id);
    if (!assist || !payload) continue;
    const item = await openItem(s, payload);
    const final = recheck(ctx, item, JSON.parse(await s.sealer.openText({ tenantId: r.tenant_id, table: "resolutions", rowId: r.id, field: "body" }, r.body)) as unknown);
    // A draft stored as valid is checked again: the item's template code may have changed since.
    const draft = ctx.template.checkAnswer(item, await openAssistDraft(s, assist));
    if (!draft.ok || stableJson(final) === stableJson(draft.answer)) continue;
    out.push({ item_id: labId(item, r.item_id), prompt: assistPrompt(ctx.template, item), chosen: final, rejected: draft.answer, chosen_by: METHOD[r.method], model: assist.model });
  }
  return out;
}
