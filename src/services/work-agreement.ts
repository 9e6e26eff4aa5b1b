/**
 * The agreement report of a project: how far the contractors who answered
 * the same items agree, chance-corrected, per answer field (the template's
 * agreementFields: verdict, each stance, ratings, choices).
 *
 * - Krippendorff's alpha per field at the field's level, with a percentile
 *   bootstrap 95% CI (seeded, so the same answers give the same report).
 * - Fleiss' kappa per nominal field over the items with the most common
 *   number of raters (the report says which: the rule and the counts).
 * - Cohen's kappa per nominal field when exactly two coders answered the
 *   overlapping items and share at least two of them.
 * - Span-overlap F1 averaged over answer pairs of the same item and each
 *   span group they share (claim-verification: per source where both gave an
 *   evidence-bearing stance).
 *
 * Coders are contractors: each assignment's latest submission counts, a
 * reviewer's fix does not. Gold items are left out (they score people
 * against truth). Items are walked in import order and each is opened once;
 * only flattened agreement records are kept, never answer bodies. The read
 * is audited (agreement.read) before anything is opened. A paused project
 * can still be measured: the report reveals statistics, not content.
 */
import { DEFAULT_SEED } from "../domain/agreement/bootstrap.js";
import { cohenKappa } from "../domain/agreement/cohen.js";
import { fleissKappa, MAX_FLEISS_CELLS } from "../domain/agreement/fleiss.js";
import { agreementPerField, type FieldAgreement, type FieldSpec } from "../domain/agreement/per-field.js";
import { MAX_RELIABILITY_CELLS, type MeasurementLevel } from "../domain/agreement/reliability.js";
import { spanOverlapF1 } from "../domain/agreement/span-overlap.js";
import type { AgreementRecord, AnswerTemplate, CheckedAnswer, Item } from "../domain/templates/answers/index.js";
import { itemPayloads, latestSubmissionsOfItems, nonGoldItemsPage } from "../store/repos/agreement.js";
import type { AnswerRow } from "../store/repos/work.js";
import { eventBy, type Caller, type Services } from "./context.js";
import { openItem, type WorkContext } from "./work-access.js";
import { openAnswer, recheck } from "./work-submit.js";

/** The audit action of a report. */
export const AGREEMENT_READ = "agreement.read";
/** Items fetched per page of the walk. */
const PAGE = 200;
/** Unit draws per field the bootstrap may spend (resamples × items), so a large project's report stays bounded. */
const BOOTSTRAP_BUDGET = 5_000_000;
const MIN_RESAMPLES = 50;
const MAX_RESAMPLES = 1_000;
/** The bootstrap seed of every report (reproducible: same answers, same interval). */
export const AGREEMENT_SEED = DEFAULT_SEED;

/** Alpha of one field, with its bootstrap interval when one was asked for and could be estimated. */
export interface FieldReport {
  readonly field: string;
  readonly level: MeasurementLevel;
  readonly alpha: number | null;
  readonly nUnits: number;
  readonly nPairableValues: number;
  readonly ci95: { readonly lower: number; readonly upper: number; readonly resamples: number; readonly undefinedResamples: number } | null;
}

/** Fleiss' kappa of one nominal field, and which items it used. */
export interface FleissReport {
  readonly field: string;
  readonly kappa: number | null;
  readonly raters: number | null;
  readonly items: number;
  readonly itemsLeftOut: number;
  readonly rule: string;
}

/** Cohen's kappa between the two coders, when there are exactly two. */
export interface CohenReport {
  readonly coders: readonly [string, string] | null;
  readonly sharedItems: number;
  readonly fields: ReadonlyArray<{ readonly field: string; readonly kappa: number | null; readonly n: number }>;
  readonly reason: string | null;
}

/** A project's agreement report. */
export interface AgreementReport {
  readonly projectId: string;
  readonly template: string;
  readonly counts: {
    /** Items with at least one counted answer. */
    readonly items: number;
    /** Items with two or more (the units agreement is measured on). */
    readonly itemsWithOverlap: number;
    readonly answers: number;
    readonly coders: number;
    /** True when the project exceeded the report's bound and only its first items (in import order) were measured. */
    readonly truncated: boolean;
  };
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly confidence: number; readonly method: string } | null;
  readonly fields: readonly FieldReport[];
  readonly fleiss: readonly FleissReport[];
  readonly cohen: CohenReport;
  readonly spans: { readonly pairs: number; readonly meanF1: number | null };
}

/** One item with two or more answers: who answered and the flattened records, in the same order. */
interface Unit {
  readonly coders: readonly string[];
  readonly records: readonly AgreementRecord[];
}

/** Builds the report; `bootstrap: false` skips the confidence intervals (fast). */
export async function agreementReport(s: Services, ctx: WorkContext, options: { bootstrap: boolean }, caller: Caller): Promise<AgreementReport> {
  const tenantId = ctx.tenant.id;
  const projectId = ctx.project.id;
  await s.store.transaction((tx) => s.audit.record(tx, eventBy(caller, { tenantId, action: AGREEMENT_READ, objectType: "project", objectId: projectId, detail: { projectId } })));
  const acc = new Collector(ctx.template);
  let after = -1;
  while (!acc.full) {
    const page = await nonGoldItemsPage(s.store.db, tenantId, projectId, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!.seq;
    const answers = await latestSubmissionsOfItems(s.store.db, tenantId, projectId, page.map((i) => i.id));
    const byItem = groupBy(answers, (a) => a.item_id);
    const payloads = new Map((await itemPayloads(s.store.db, tenantId, [...byItem.keys()])).map((r) => [r.id, r]));
    for (const key of page) {
      const rows = byItem.get(key.id);
      const payload = payloads.get(key.id);
      if (!rows || !payload || acc.full) continue;
      const item = await openItem(s, payload);
      const checked: CheckedAnswer[] = [];
      for (const row of rows) checked.push(recheck(ctx, item, await openAnswer(s, row)));
      acc.add(item, rows, checked);
    }
    if (page.length < PAGE) break;
  }
  return acc.report(projectId, options.bootstrap);
}

/** Gathers records, counts and span scores item by item; holds records, never bodies. */
class Collector {
  readonly #template: AnswerTemplate;
  readonly #units: Unit[] = [];
  readonly #coders = new Set<string>();
  /** Items that named a field first: agreementFields over them gives every field, in the template's order. */
  readonly #fieldItems: Item[] = [];
  readonly #fieldNames = new Set<string>();
  #items = 0;
  #answers = 0;
  #kept = 0;
  #spanSum = 0;
  #spanPairs = 0;
  full = false;

  constructor(template: AnswerTemplate) {
    this.#template = template;
  }

  add(item: Item, rows: readonly AnswerRow[], checked: readonly CheckedAnswer[]): void {
    if (rows.length >= 2 && this.#kept + rows.length > MAX_RELIABILITY_CELLS) {
      this.full = true;
      return;
    }
    this.#items += 1;
    this.#answers += rows.length;
    for (const r of rows) this.#coders.add(r.author_id);
    const fresh = this.#template.agreementFields([item]).filter((f) => !this.#fieldNames.has(f.field));
    if (fresh.length > 0) {
      fresh.forEach((f) => this.#fieldNames.add(f.field));
      this.#fieldItems.push(item);
    }
    if (rows.length < 2) return;
    this.#kept += rows.length;
    this.#units.push({ coders: rows.map((r) => r.author_id), records: checked.map((a) => this.#template.agreementRecord(item, a)) });
    for (const f1 of spanF1s(this.#template, checked)) {
      this.#spanSum += f1;
      this.#spanPairs += 1;
    }
  }

  report(projectId: string, bootstrap: boolean): AgreementReport {
    const fields = this.#template.agreementFields(this.#fieldItems);
    const resamples = resamplesFor(this.#units.length);
    const records = this.#units.map((u) => u.records);
    const perField = agreementPerField(records, fields, { bootstrap: bootstrap ? { resamples, seed: AGREEMENT_SEED, confidence: 0.95 } : false });
    const nominal = fields.filter((f) => f.level === "nominal");
    return {
      projectId,
      template: this.#template.name,
      counts: { items: this.#items, itemsWithOverlap: this.#units.length, answers: this.#answers, coders: this.#coders.size, truncated: this.full },
      bootstrap: bootstrap ? { resamples, seed: AGREEMENT_SEED, confidence: 0.95, method: "percentile bootstrap over items" } : null,
      fields: perField.map(presentField),
      fleiss: nominal.map((f) => fleissOf(this.#units, f.field)),
      cohen: cohenOf(this.#units, nominal),
      spans: { pairs: this.#spanPairs, meanF1: this.#spanPairs === 0 ? null : this.#spanSum / this.#spanPairs },
    };
  }
}

/** Resamples for `units` items: as many as the budget allows, within [MIN_RESAMPLES, MAX_RESAMPLES]. */
export function resamplesFor(units: number): number {
  return Math.max(MIN_RESAMPLES, Math.min(MAX_RESAMPLES, Math.floor(BOOTSTRAP_BUDGET / Math.max(1, units))));
}

function presentField(f: FieldAgreement): FieldReport {
  const ci = f.ci95 ?? null;
  return {
    field: f.field,
    level: f.level,
    alpha: f.alpha,
    nUnits: f.n_units,
    nPairableValues: f.n_pairable_values,
    ci95: ci === null ? null : { lower: ci.lower, upper: ci.upper, resamples: ci.resamples, undefinedResamples: ci.undefined_resamples },
  };
}

/**
 * F1 of every (answer pair, span group) of one item where both sides are
 * scored. A group one answer lacks counts as nothing marked (classification:
 * no span of that label), so marking against not marking scores 0.
 */
export function spanF1s(template: AnswerTemplate, answers: readonly CheckedAnswer[]): number[] {
  const groups = answers.map((a) => new Map(template.spans(a).map((g) => [g.key, g])));
  const out: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const a = groups[i]!;
      const b = groups[j]!;
      for (const key of new Set([...a.keys(), ...b.keys()])) {
        const x = a.get(key);
        const y = b.get(key);
        if ((x?.scored ?? true) && (y?.scored ?? true)) out.push(spanOverlapF1(x?.spans ?? [], y?.spans ?? []).f1);
      }
    }
  }
  return out;
}

/** The field's value in a record (own properties only), or null. */
function valueOf(record: AgreementRecord, field: string): string | number | null {
  return Object.hasOwn(record, field) ? (record[field] ?? null) : null;
}

/**
 * Fleiss' kappa needs the same number of raters per subject: it uses the
 * items whose answers all give the field a value and number exactly the most
 * common such count (ties: the larger).
 */
function fleissOf(units: readonly Unit[], field: string): FleissReport {
  const complete = units.filter((u) => u.records.every((r) => valueOf(r, field) !== null));
  const bySize = new Map<number, number>();
  for (const u of complete) bySize.set(u.records.length, (bySize.get(u.records.length) ?? 0) + 1);
  const raters = [...bySize].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0]?.[0] ?? null;
  const rule = raters === null ? "no item has two or more answers all giving this field" : `items with exactly ${raters} answers, each giving this field a value`;
  const used = complete.filter((u) => u.records.length === raters);
  const none = { field, kappa: null, raters, items: used.length, itemsLeftOut: units.length - used.length, rule };
  if (used.length === 0) return none;
  const categories = new Map<string, number>();
  const keyOf = (v: string | number | null) => JSON.stringify(v);
  for (const u of used) for (const r of u.records) if (!categories.has(keyOf(valueOf(r, field)))) categories.set(keyOf(valueOf(r, field)), categories.size);
  if (used.length * categories.size > MAX_FLEISS_CELLS) return { ...none, rule: `${rule}; too many items × categories to compute` };
  const counts = used.map((u) => {
    const row = new Array<number>(categories.size).fill(0);
    for (const r of u.records) row[categories.get(keyOf(valueOf(r, field)))!]! += 1;
    return row;
  });
  return { ...none, kappa: fleissKappa(counts).kappa };
}

/** Cohen's kappa per nominal field when exactly two coders answered the overlapping items, sharing two or more. */
function cohenOf(units: readonly Unit[], nominal: readonly FieldSpec[]): CohenReport {
  const coders = [...new Set(units.flatMap((u) => u.coders))].sort();
  if (coders.length !== 2) {
    return { coders: null, sharedItems: 0, fields: [], reason: `Cohen's kappa is for exactly two coders; ${coders.length} answered overlapping items (see alpha and Fleiss' kappa).` };
  }
  const pair = [coders[0]!, coders[1]!] as const;
  // One answer per coder per item: an assignment is unique per (item, person).
  const shared = units.filter((u) => pair.every((c) => u.coders.includes(c)));
  if (shared.length < 2) return { coders: pair, sharedItems: shared.length, fields: [], reason: "The two coders share fewer than two items." };
  const side = (u: Unit, c: string, field: string) => valueOf(u.records[u.coders.indexOf(c)]!, field);
  const fields = nominal.map(({ field }) => {
    const r = cohenKappa(
      shared.map((u) => side(u, pair[0], field)),
      shared.map((u) => side(u, pair[1], field)),
    );
    return { field, kappa: r.kappa, n: r.n };
  });
  return { coders: pair, sharedItems: shared.length, fields, reason: null };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
