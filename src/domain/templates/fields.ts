/**
 * Field schemas shared by the item templates: external ids, the gold flag,
 * dates, URLs and Unicode helpers. Offsets in Sealroom count Unicode code
 * points (design/claim-verification.md 2.1), never UTF-16 units.
 */
import { z } from "zod";

/** Longest external id accepted (they are hashed, but must stay sane). */
export const MAX_EXTERNAL_ID = 256;

/**
 * An `id` field: a non-empty string without control characters, or an
 * integer (CSV and spreadsheets often number rows), kept as its decimal text.
 */
export const externalIdField = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v))
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .max(MAX_EXTERNAL_ID, `must be at most ${MAX_EXTERNAL_ID} characters`)
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters"),
  );

/** Gold items: `gold` present and not null/false, or `is_gold: true`. */
export function goldFlag(item: { gold?: unknown; is_gold?: unknown }): boolean {
  return (item.gold !== undefined && item.gold !== null && item.gold !== false) || item.is_gold === true;
}

/** The optional gold fields the simple templates accept. */
export const goldFields = {
  gold: z.unknown().optional(),
  is_gold: z.boolean().optional(),
};

/** A non-empty text field of at most `max` UTF-16 units. */
export function text(max: number) {
  return z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`);
}

/** YYYY-MM-DD naming a real calendar day. */
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD").refine(realDay, "is not a calendar date");

/** RFC 3339 date-time with a zone (Z or an offset). */
export const isoDateTime = z.iso.datetime({ offset: true, error: "must be an RFC 3339 date-time such as 2026-03-04T10:15:00Z" });

/** An absolute http(s) URL. */
export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an absolute http or https URL" });

function realDay(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * The length of `s` in Unicode code points, or -1 when it holds a lone
 * surrogate (not well-formed Unicode, so code-point offsets are undefined).
 */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return -1;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return -1;
    }
    n++;
  }
  return n;
}
