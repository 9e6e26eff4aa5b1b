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
 * Method names follow the design's ItemResolution: unanimous → UNANIMOUS,
 * reviewed → REVIEWED, adjudicated → ADJUDICATED. A single answer that
 * resolved without review is UNANIMOUS (one annotation, no dissent), never
 * REVIEWED: no reviewer saw it. `annotation_ids` (length 1) tells it apart.
 */
import { EXPORT_DOWNLOAD } from "../audit/actions.js";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError } from "../domain/errors.js";
import type { ExportMeta } from "../domain/templates/answers/index.js";
import { annotationIdsOfItems, itemPayloads, resolutionIdsPage } from "../store/repos/agreement.js";
import { resolutionsPage, type ResolutionRow } from "../store/repos/resolutions.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { openItem, type WorkContext } from "./work-access.js";
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

/** One page of an export. */
export interface ExportPage {
  readonly exportId: string;
  readonly records: Array<Record<string, unknown>>;
  /** The cursor (?after=) of the next page; null on the last. */
  readonly next: string | null;
}

/** A page of export records after resolution `after` (keyset on the resolution id); one audited export. */
export async function exportPage(s: Services, ctx: WorkContext, userId: string | null, after: string, limit: number, caller: Caller): Promise<ExportPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXPORT_PAGE) throw new SealroomError("bad_request", `limit must be 1 to ${MAX_EXPORT_PAGE}.`);
  await refuseIfPaused(s, ctx, userId, caller);
  const rows = await resolutionsPage(s.store.db, ctx.tenant.id, ctx.project.id, after, limit);
  const exportId = await recordExport(s, ctx, rows.length, caller);
  return { exportId, records: await recordsOf(s, ctx, rows), next: rows.length === limit ? rows[rows.length - 1]!.id : null };
}

/** Writes every export record of the project, one JSON line each, through `write`; one audited export. */
export async function exportAll(s: Services, ctx: WorkContext, userId: string | null, write: (line: string) => Promise<void>, caller: Caller): Promise<{ exportId: string; count: number }> {
  await refuseIfPaused(s, ctx, userId, caller);
  const { count, last } = await countResolutions(s, ctx);
  const exportId = await recordExport(s, ctx, count, caller);
  let after = "";
  let written = 0;
  while (written < count) {
    const page = await resolutionsPage(s.store.db, ctx.tenant.id, ctx.project.id, after, FILE_PAGE);
    const rows = page.filter((r) => r.id <= last).slice(0, count - written);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (const record of await recordsOf(s, ctx, rows)) await write(`${JSON.stringify(record)}\n`);
    written += rows.length;
  }
  return { exportId, count: written };
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
async function recordExport(s: Services, ctx: WorkContext, count: number, caller: Caller): Promise<string> {
  const exportId = uuidv7(s.now());
  await s.store.transaction((tx) =>
    s.audit.record(tx, eventBy(caller, { tenantId: ctx.tenant.id, action: EXPORT_DOWNLOAD, objectType: "export", objectId: exportId, detail: { projectId: ctx.project.id, count } })),
  );
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
