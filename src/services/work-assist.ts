/**
 * Model assist: a project names a gateway model alias (config.assist), and a
 * run drafts an answer for each of its items through the gateway, as the
 * project (its own key, so the calls are metered, audited and charged to it).
 *
 * - A run walks the project's items in import order (keyset on items.seq)
 *   that have no draft yet, or whose last attempt failed (retried in place),
 *   up to `limit`, four calls in flight.
 * - Gold items are left out: contractors never see a draft on them (it would
 *   help on the accuracy check) and they are never resolved, so they never
 *   reach the preference export; drafting them would only cost money.
 * - Each reply becomes a candidate answer (claim-verification: quotes turned
 *   into spans, see domain/work/assist-claim.ts) and goes through the
 *   template's checkAnswer: `ok` drafts are stored sealed; `invalid` ones are
 *   stored sealed too, with the first issues (paths and messages only);
 *   `failed` calls keep the gateway's status and error code, no draft.
 * - Every item opened is audited as item.read first; every stored draft is
 *   audited as assist.draft, and the run as assist.run.
 * - Contractors see an `ok` draft on their leased (non-gold) task only when
 *   config.assist.showToContractors.
 */
import { ITEM_READ } from "../audit/actions.js";
import { uuidv7 } from "../auth/ids.js";
import { SealroomError, type FieldIssue } from "../domain/errors.js";
import type { Item } from "../domain/templates/answers/index.js";
import { answerFromReply, assistPrompt, type ChatMessage } from "../domain/work/assist-prompt.js";
import { assistCounts, assistUsage, findAssist, insertAssist, pendingAssistItems, retryAssist, type ItemAssistRow, type PendingAssistItem } from "../store/repos/assist.js";
import type { AssistStatus } from "../store/schema.js";
import type { AssignmentRow } from "../store/repos/work.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { assertGatewayUp, chatJson, gatewayBaseUrl, waitForKey, type ChatResult } from "./gateway-client.js";
import { openItem, type WorkContext } from "./work-access.js";
import { ASSIST_KEY_NAME, assistKeySecret } from "./work-assist-key.js";
import { pausedReason } from "./work-pause.js";

/** Items one run may draft at most. */
export const MAX_ASSIST_RUN = 1000;
/** Calls in flight at once. */
const IN_FLIGHT = 4;
/** Items read per page of the walk. */
const PAGE = 32;
/** A prompt longer than this is not sent (the gateway's body limit is 8 MiB; replies need room too). */
const MAX_PROMPT_CHARS = 2_000_000;
/** Issues kept on an invalid draft, and the size of the error text. */
const MAX_ISSUES = 5;
const MAX_ERROR = 1000;
/** How long a run waits for a running gateway to accept a new key. */
const KEY_WAIT_MS = 5000;
/** Gateway refusals that concern the key or the project, not the item: the run stops. */
const STOPPING = new Set([401, 403, 404, 423, 429]);

/** What a run did. */
export interface AssistRunResult {
  readonly model: string;
  readonly attempted: number;
  readonly ok: number;
  readonly invalid: number;
  readonly failed: number;
  /** Set when the gateway refused the project's key and the run stopped early ("gateway 429 budget_exceeded"). */
  readonly stoppedBy: string | null;
  /** Whether items are left for another run. */
  readonly more: boolean;
}

/** Refuses a run on a paused or archived project, or one without assist. */
function assistConfig(ctx: WorkContext): NonNullable<WorkContext["config"]["assist"]> {
  const reason = pausedReason(ctx.tenant, ctx.project);
  if (reason !== null) throw new SealroomError("paused", reason, { reason });
  if (ctx.project.status === "archived") throw new SealroomError("conflict", "This project is archived; it takes no more work.");
  const assist = ctx.config.assist;
  if (!assist) throw new SealroomError("conflict", "This project has no model assist: set config.assist to {model: <gateway alias>} first.");
  return assist;
}

/** Drafts answers for up to `limit` items of the project; see the file comment. */
export async function runAssist(s: Services, ctx: WorkContext, opts: { limit: number; caller: Caller }): Promise<AssistRunResult> {
  if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > MAX_ASSIST_RUN) throw new SealroomError("bad_request", `limit must be 1 to ${MAX_ASSIST_RUN}.`);
  const { model } = assistConfig(ctx);
  const base = gatewayBaseUrl(s.config);
  await assertGatewayUp(base);
  const key = await assistKeySecret(s, ctx, model, opts.caller);
  await waitForKey(base, key.secret, KEY_WAIT_MS);
  const tally: Record<AssistStatus, number> = { ok: 0, invalid: 0, failed: 0 };
  let stoppedBy: string | null = null;
  let after = 0;
  let attempted = 0;
  while (attempted < opts.limit && stoppedBy === null) {
    const page = await pendingAssistItems(s.store.db, ctx.tenant.id, ctx.project.id, after, Math.min(PAGE, opts.limit - attempted));
    if (page.length === 0) break;
    after = page[page.length - 1]!.seq;
    await auditReads(s, ctx, page, opts.caller);
    await inPool(page, async (p) => {
      if (stoppedBy !== null) return;
      const d = await draftOne(s, ctx, p, (messages) => chatJson(base, key.secret, model, messages));
      if (await store(s, ctx, p, model, d, opts.caller)) tally[d.status]++;
      attempted++;
      if (d.stop) stoppedBy = d.error;
    });
  }
  const more = stoppedBy !== null || (await pendingAssistItems(s.store.db, ctx.tenant.id, ctx.project.id, after, 1)).length > 0;
  const result: AssistRunResult = { model, attempted, ...tally, stoppedBy, more };
  await s.store.transaction((tx) => s.audit.record(tx, eventBy(opts.caller, { tenantId: ctx.tenant.id, action: "assist.run", objectType: "project", objectId: ctx.project.id, detail: { ...result } })));
  return result;
}

/** Runs `fn` over `list` with at most IN_FLIGHT at once. */
async function inPool<T>(list: readonly T[], fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < list.length) await fn(list[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, list.length) }, worker));
}

/** Records the reads of a page of items (one transaction) before any of them is opened. */
async function auditReads(s: Services, ctx: WorkContext, page: readonly PendingAssistItem[], caller: Caller): Promise<void> {
  await s.store.transaction(async (tx) => {
    for (const p of page) await s.audit.record(tx, eventBy(caller, { tenantId: ctx.tenant.id, action: ITEM_READ, objectType: "item", objectId: p.id, detail: { projectId: ctx.project.id } }));
  });
}

/** One item's outcome, before it is stored. */
interface Drafted {
  readonly status: AssistStatus;
  readonly draft: unknown;
  readonly error: string | null;
  readonly call: ChatResult | null;
  readonly stop: boolean;
}

/** An issue as stored: path and message only, bounded, limited to plain characters (a model chooses key names). */
const plain = (text: string, max: number) => text.replace(/[^A-Za-z0-9_.,:;()[\]'" <>=!-]/g, "?").slice(0, max);
const issuesText = (issues: readonly FieldIssue[]) => issues.slice(0, MAX_ISSUES).map((i) => `${plain(i.path, 100)}: ${plain(i.message, 200)}`).join("; ").slice(0, MAX_ERROR);

/** Opens the item, asks the model, and checks what it drafted. */
async function draftOne(s: Services, ctx: WorkContext, p: PendingAssistItem, call: (messages: readonly ChatMessage[]) => Promise<ChatResult>): Promise<Drafted> {
  const item: Item = await openItem(s, p);
  const messages = assistPrompt(ctx.template, item);
  if (messages.reduce((n, m) => n + m.content.length, 0) > MAX_PROMPT_CHARS) return { status: "failed", draft: null, error: "prompt_too_large", call: null, stop: false };
  const r = await call(messages);
  if (!r.ok) return { status: "failed", draft: null, error: `gateway ${r.status} ${r.code}`, call: r, stop: STOPPING.has(r.status) };
  let reply: unknown = null;
  try {
    reply = JSON.parse(r.content);
  } catch {
    reply = null;
  }
  const converted = answerFromReply(ctx.template, item, reply);
  if (converted.answer === null) return { status: "invalid", draft: { reply: r.content.slice(0, 65_536) }, error: issuesText(converted.issues), call: r, stop: false };
  const checked = ctx.template.checkAnswer(item, converted.answer);
  const issues = [...converted.issues, ...(checked.ok ? [] : checked.issues)];
  if (issues.length > 0) return { status: "invalid", draft: converted.answer, error: issuesText(issues), call: r, stop: false };
  if (!checked.ok) throw new SealroomError("internal", "unreachable: a checked answer without issues failed");
  return { status: "ok", draft: checked.answer, error: null, call: r, stop: false };
}

const draftContext = (tenantId: string, id: string) => ({ tenantId, table: "item_assists", rowId: id, field: "draft" }) as const;

/** Seals and stores one outcome with its audit entry; false when another run stored this item first. */
async function store(s: Services, ctx: WorkContext, p: PendingAssistItem, model: string, d: Drafted, caller: Caller): Promise<boolean> {
  const tenantId = ctx.tenant.id;
  await s.keyring.current(tenantId);
  const now = s.now();
  const id = p.assist_id ?? uuidv7(now);
  const row: ItemAssistRow = {
    tenant_id: tenantId,
    id,
    project_id: ctx.project.id,
    item_id: p.id,
    model,
    status: d.status,
    draft: d.draft === null ? null : await s.sealer.seal(draftContext(tenantId, id), JSON.stringify(d.draft)),
    error: d.error,
    request_id: d.call?.requestId ?? null,
    prompt_tokens: d.call?.ok ? d.call.promptTokens : null,
    completion_tokens: d.call?.ok ? d.call.completionTokens : null,
    created_at: now,
    updated_at: now,
  };
  return s.store.transaction(async (tx) => {
    if (!(p.assist_id ? await retryAssist(tx, row) : await insertAssist(tx, row))) return false;
    const detail = { projectId: ctx.project.id, model, status: d.status, requestId: row.request_id };
    await s.audit.record(tx, eventBy(caller, { tenantId, action: "assist.draft", objectType: "item", objectId: p.id, outcome: d.status === "failed" ? "failure" : "success", detail }));
    return true;
  });
}

/** The project's assist set-up, its drafts by status, and what the gateway metered for them. */
export interface AssistStatusReport {
  readonly model: string | null;
  readonly showToContractors: boolean;
  readonly drafts: Record<AssistStatus, number>;
  readonly usage: { calls: number; promptTokens: number; completionTokens: number; costUsd: number };
}

/** The assist report of a project (no content: counts and metering only). */
export async function assistStatus(s: Services, ctx: WorkContext): Promise<AssistStatusReport> {
  return {
    model: ctx.config.assist?.model ?? null,
    showToContractors: ctx.config.assist?.showToContractors ?? false,
    drafts: await assistCounts(s.store.db, ctx.tenant.id, ctx.project.id),
    usage: await assistUsage(s.store.db, ctx.tenant.id, ctx.project.id, ASSIST_KEY_NAME),
  };
}

/**
 * The model's draft for a contractor's task: only when the project shows
 * drafts to contractors, never on a gold item, and only a draft that passed
 * the template's checks. The caller has audited the item read.
 */
export async function assistForTask(s: Services, ctx: WorkContext, a: Pick<AssignmentRow, "tenant_id" | "item_id" | "is_gold">): Promise<unknown> {
  if (!ctx.config.assist?.showToContractors || a.is_gold !== 0) return null;
  const row = await findAssist(s.store.db, a.tenant_id, a.item_id);
  if (!row || row.status !== "ok" || row.draft === null) return null;
  return JSON.parse(await s.sealer.openText(draftContext(row.tenant_id, row.id), row.draft)) as unknown;
}

/** Opens a stored draft (the preference export re-checks it against its item). */
export async function openAssistDraft(s: Services, row: Pick<ItemAssistRow, "tenant_id" | "id" | "draft">): Promise<unknown> {
  if (row.draft === null) return null;
  return JSON.parse(await s.sealer.openText(draftContext(row.tenant_id, row.id), row.draft)) as unknown;
}
