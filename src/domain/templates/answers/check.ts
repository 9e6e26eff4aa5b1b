/**
 * Helpers shared by the answer modules: zod issues as field issues, the issue
 * cap, the draft check, defensive item reading and code-point slicing.
 * Offsets count Unicode code points (design/claim-verification.md §2.1).
 */
import type { z } from "zod";
import { SealroomError } from "../../errors.js";
import type { FieldIssue } from "../../errors.js";
import { codePointLength } from "../fields.js";
import type { AnswerCheck, ExportMeta, Item } from "./answer-template.js";

/** The most issues one answer reports. */
export const MAX_ANSWER_ISSUES = 20;

/** Largest draft accepted, in UTF-16 units of its JSON (drafts are saved often; 1 MiB is far beyond any real one). */
export const MAX_DRAFT_CHARS = 1 << 20;

/** A dot-separated issue path; the empty path is the answer itself. */
export function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.length ? path.map(String).join(".") : "(answer)";
}

/** Collects issues up to the cap. */
export class Issues {
  readonly list: FieldIssue[] = [];
  add(path: ReadonlyArray<string | number>, message: string): void {
    if (this.list.length < MAX_ANSWER_ISSUES) this.list.push({ path: pathOf(path), message });
  }
}

/** Zod issues as field issues; an unknown key is reported at its own path. */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: pathOf([...issue.path, key]), message: "is not a field of this answer" });
    } else {
      out.push({ path: pathOf(issue.path), message: issue.message });
    }
  }
  return out.slice(0, MAX_ANSWER_ISSUES);
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Zod's message for an absent field names the types or options it wanted; a person needs to know the field is missing. */
function missingIsRequired(issue: { input?: unknown }): string | undefined {
  return issue.input === undefined ? "is required" : undefined;
}

/** Parses `answer` with `schema`, then runs the cross-checks against the item on the typed value. */
export function parseAnswer<T>(schema: z.ZodType<T>, answer: unknown, crossCheck: (value: T, issues: Issues) => void): AnswerCheck<T> {
  if (!isRecord(answer)) return { ok: false, issues: [{ path: "(answer)", message: "an answer must be a JSON object" }] };
  const r = schema.safeParse(answer, { error: missingIsRequired });
  if (!r.success) return { ok: false, issues: zodIssues(r.error) };
  const issues = new Issues();
  crossCheck(r.data, issues);
  return issues.list.length ? { ok: false, issues: issues.list } : { ok: true, answer: r.data };
}

/**
 * Memoises a schema built from an item's shape (its labels, its number of
 * responses, its criteria), keyed by the JSON of the arguments. Building a
 * zod object schema costs far more than parsing with it (zod compiles a
 * parser for it on first use): measured 0.7 ms per classification submit
 * before, when every submit built its own. At most `max` shapes are kept.
 */
export function memoSchema<A extends readonly unknown[], S>(build: (...args: A) => S, max = 256): (...args: A) => S {
  const cache = new Map<string, S>();
  return (...args: A) => {
    const key = JSON.stringify(args);
    let schema = cache.get(key);
    if (schema === undefined) {
      if (cache.size >= max) cache.clear();
      schema = build(...args);
      cache.set(key, schema);
    }
    return schema;
  };
}

/** A draft: any JSON object whose serialization fits the size limit. */
export function checkDraft(draft: unknown): AnswerCheck<Record<string, unknown>> {
  if (!isRecord(draft)) return { ok: false, issues: [{ path: "(draft)", message: "a draft must be a JSON object" }] };
  let size: number;
  try {
    size = JSON.stringify(draft).length;
  } catch {
    return { ok: false, issues: [{ path: "(draft)", message: "a draft must be plain JSON" }] };
  }
  if (size > MAX_DRAFT_CHARS) return { ok: false, issues: [{ path: "(draft)", message: `a draft must be at most ${MAX_DRAFT_CHARS} characters of JSON` }] };
  return { ok: true, answer: draft };
}

/** Parses a stored item with the fields a module reads; a mismatch is a server fault, not the contractor's. */
export function readItem<T>(schema: z.ZodType<T>, item: Item, template: string): T {
  const r = schema.safeParse(item);
  if (!r.success) throw new SealroomError("internal", `stored ${template} item does not match its template`);
  return r.data;
}

/** A refinement for strings of `min..max` code points (lone surrogates fail). */
export function codePointsBetween(min: number, max: number): [(s: string) => boolean, string] {
  return [
    (s) => {
      const n = codePointLength(s);
      return n >= min && n <= max;
    },
    min > 0 ? `must be ${min} to ${max} characters` : `must be at most ${max} characters`,
  ];
}

/** True when `s` has a character other than white space. */
export const notBlank = (s: string): boolean => s.trim().length > 0;

/** `Array.from(text)`: the text as code points, index = offset. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Issues for spans over one text: [start, end) non-empty within bounds, `exact` equal to the slice, no two overlapping. */
export function checkSpans(
  spans: ReadonlyArray<{ start: number; end: number; exact: string }>,
  text: readonly string[],
  at: (j: number, ...rest: string[]) => Array<string | number>,
  issues: Issues,
): void {
  spans.forEach((s, j) => {
    if (!(s.start < s.end && s.end <= text.length)) issues.add(at(j), `must satisfy start < end <= ${text.length}`);
    else if (text.slice(s.start, s.end).join("") !== s.exact) issues.add(at(j, "exact"), "does not equal the text at [start, end)");
  });
  const order = spans.map((s, j) => ({ s, j })).sort((a, b) => a.s.start - b.s.start || a.s.end - b.s.end);
  // Compare each span with the furthest-reaching one before it, so a long span overlapping several later ones is caught.
  let reach = order[0];
  for (const current of order.slice(1)) {
    if (reach && current.s.start < reach.s.end) issues.add(at(current.j), `overlaps span ${reach.j}`);
    if (!reach || current.s.end > reach.s.end) reach = current;
  }
}

/** The meta fields that were given, for the simple templates' export records. */
export function metaFields(meta: ExportMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (meta.resolution_id !== undefined) out["resolution_id"] = meta.resolution_id;
  if (meta.method !== undefined) out["method"] = meta.method;
  if (meta.annotation_ids !== undefined) out["annotation_ids"] = [...meta.annotation_ids];
  return out;
}

/** Own-property read (lab-controlled keys such as "__proto__" never reach the prototype). */
export function own(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
