/**
 * What an item template declares for import: the item schema (zod), where the
 * item's external id and gold flag live, and how CSV cells become fields.
 * Item values arrive from lab files, so they are attacker-controlled: every
 * template parses them with its schema before anything else looks at them.
 */
import type { z } from "zod";
import type { FieldIssue } from "../errors.js";

/** An item that passed its template's schema. */
export interface CheckedItem {
  /** The parsed item, as it will be stored (sealed). */
  readonly value: Record<string, unknown>;
  /** The item's stable id in the lab's own system: the de-duplication key. */
  readonly externalId: string;
  readonly isGold: boolean;
}

/** How CSV cells map onto an item: by default a cell is a string field named by its header. */
export interface CsvMapping {
  /** Columns whose cell holds JSON (nested fields: objects, arrays). */
  readonly json: readonly string[];
  /** Columns whose cell is true/false (also 1/0, yes/no). */
  readonly boolean: readonly string[];
  /** Columns whose cell is an integer. */
  readonly integer: readonly string[];
}

/** One template's item rules, as import uses them. */
export interface ItemTemplate {
  readonly name: string;
  /** Validates one item; issues name the field path (dot-separated) and what is wrong. */
  check(value: unknown): { ok: true; item: CheckedItem } | { ok: false; issues: FieldIssue[] };
  readonly csv: CsvMapping;
}

/** The most issues one item reports (a wholly wrong line would otherwise list dozens). */
const MAX_ISSUES_PER_ITEM = 10;

/** Builds a template from a zod schema and the two accessors every template has. */
export function defineTemplate<T extends Record<string, unknown>>(spec: {
  name: string;
  schema: z.ZodType<T>;
  externalId: (item: T) => string;
  isGold: (item: T) => boolean;
  csv?: Partial<CsvMapping>;
}): ItemTemplate {
  return {
    name: spec.name,
    csv: { json: spec.csv?.json ?? [], boolean: spec.csv?.boolean ?? [], integer: spec.csv?.integer ?? [] },
    check(value) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { ok: false, issues: [{ path: "(item)", message: "an item must be a JSON object" }] };
      }
      const r = spec.schema.safeParse(value);
      if (!r.success) {
        const issues = r.error.issues.slice(0, MAX_ISSUES_PER_ITEM).map((i) => ({ path: i.path.length ? i.path.map(String).join(".") : "(item)", message: i.message }));
        return { ok: false, issues };
      }
      return { ok: true, item: { value: r.data, externalId: spec.externalId(r.data), isGold: spec.isGold(r.data) } };
    },
  };
}
