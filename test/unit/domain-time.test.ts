/** Times typed by people (CLI flags, query strings): RFC 3339 dates and date-times with an offset, nothing guessed. */
import { describe, expect, it } from "vitest";
import { parseIsoTime } from "../../src/domain/time.js";

describe("parseIsoTime", () => {
  it("refuses what is not a complete, real RFC 3339 time", () => {
    for (const bad of ["", "yesterday", "2026-13-01", "2026-02-30", "2026-11-28T24:00:00Z", "2026-11-28T12:60Z", "2026-11-28T12:00:00", "2026-11-28 12:00:00Z", "1795867200000", "2026-11-28T12:00:00+0100"]) {
      expect(parseIsoTime(bad), bad).toBeUndefined();
    }
  });

  it("reads dates as midnight UTC and honours offsets and fractions", () => {
    expect(parseIsoTime("2026-11-28")).toBe(Date.UTC(2026, 10, 28));
    expect(parseIsoTime("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoTime("2026-11-28T12:00Z")).toBe(Date.UTC(2026, 10, 28, 12));
    expect(parseIsoTime("2026-11-28T12:00:00+01:00")).toBe(Date.UTC(2026, 10, 28, 11));
    expect(parseIsoTime("2026-11-28T12:00:00.250-02:30")).toBe(Date.UTC(2026, 10, 28, 14, 30, 0, 250));
  });
});
