/**
 * Points in time as people type them (RFC 3339, the ISO 8601 profile):
 * a date (midnight UTC) or a date and time with an explicit offset. A time
 * without an offset is refused rather than guessed in some local zone.
 */

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds since the epoch for an RFC 3339 date or date-time, or undefined when it is not one. */
export function parseIsoTime(text: string): number | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? "0")) as [number, number, number, number, number, number];
  // Date.parse rolls 30 February over into March; check the calendar ourselves.
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
  if (h > 23 || mi > 59 || se > 59) return undefined;
  const ms = Date.parse(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text.trim());
  return Number.isFinite(ms) ? ms : undefined;
}

/** The UTC calendar day (YYYY-MM-DD) of an epoch-millisecond instant. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** An epoch-millisecond instant as RFC 3339 UTC text (how every API and CLI shows times). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** isoTime, passing null through (for optional times). */
export function isoTimeOrNull(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}
