/** ISO weeks, weekly timesheets, their CSV and manual time entries (src/domain/work/hours.ts). */
import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import { csvField, formatHours, isoWeekOf, type LedgerEntry, parseManualEntry, timesheet, timesheetCsv, type TimesheetRow } from "../../src/domain/work/hours.js";

const HOUR = 3_600_000;
const MIN = 60_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return expect.fail("expected a throw");
}

function badRequestPath(f: () => unknown): string | undefined {
  const e = thrown(f);
  expect(isSealroomError(e, "bad_request"), String(e)).toBe(true);
  return (e as { details: { issues: { path: string }[] } }).details.issues[0]?.path;
}

describe("isoWeekOf (ISO 8601, UTC)", () => {
  it.each([
    ["2026-11-28", "2026-W48", "2026-11-23"],
    ["2026-11-23", "2026-W48", "2026-11-23"],
    ["2026-12-31", "2026-W53", "2026-12-28"],
    ["2027-01-01", "2026-W53", "2026-12-28"],
    ["2027-01-03", "2026-W53", "2026-12-28"],
    ["2027-01-04", "2027-W01", "2027-01-04"],
    ["2020-12-31", "2020-W53", "2020-12-28"],
    ["2021-01-03", "2020-W53", "2020-12-28"],
    ["2021-01-04", "2021-W01", "2021-01-04"],
    ["2024-12-30", "2025-W01", "2024-12-30"],
    ["2025-12-28", "2025-W52", "2025-12-22"],
    ["1970-01-01", "1970-W01", "1969-12-29"],
  ])("%s is in %s starting %s", (date, label, firstDay) => {
    for (const at of [day(date), day(date) + 24 * HOUR - 1]) {
      const w = isoWeekOf(at);
      expect([w.label, w.firstDay]).toEqual([label, firstDay]);
    }
  });

  it("refuses a negative or fractional instant", () => {
    expect(badRequestPath(() => isoWeekOf(-1))).toBe("at");
    expect(badRequestPath(() => isoWeekOf(0.5))).toBe("at");
  });
});

let n = 0;
function entry(e: Partial<LedgerEntry> & Pick<LedgerEntry, "kind" | "ms">): LedgerEntry {
  n += 1;
  const status = e.kind === "task" ? "auto" : e.kind === "manual" ? "approved" : "auto";
  return { id: `e${n}`, userId: "u1", projectId: "p1", at: day("2026-11-24"), status, ...e };
}

describe("timesheet: refusals", () => {
  it("refuses other week starts or zones", () => {
    expect(badRequestPath(() => timesheet([], { weekStart: "sunday" as "monday" }))).toBe("weekStart");
    expect(badRequestPath(() => timesheet([], { timeZone: "Europe/Berlin" as "UTC" }))).toBe("timeZone");
  });

  it("refuses rows that break the ledger's invariants, naming the row", () => {
    expect(badRequestPath(() => timesheet([entry({ kind: "task", ms: -1 })]))).toBe("entries[0].ms");
    expect(badRequestPath(() => timesheet([entry({ kind: "manual", ms: -1 })]))).toBe("entries[0].ms");
    expect(badRequestPath(() => timesheet([entry({ kind: "task", ms: 1.5 })]))).toBe("entries[0].ms");
    expect(badRequestPath(() => timesheet([entry({ kind: "task", ms: 1, status: "approved" })]))).toBe("entries[0].status");
    expect(badRequestPath(() => timesheet([entry({ kind: "manual", ms: 1, status: "auto" })]))).toBe("entries[0].status");
    expect(badRequestPath(() => timesheet([entry({ kind: "bonus" as "task", ms: 1 })]))).toBe("entries[0].kind");
    expect(badRequestPath(() => timesheet([entry({ kind: "constructor" as "task", ms: 1 })]))).toBe("entries[0].kind");
    expect(badRequestPath(() => timesheet([entry({ kind: "correction", ms: 1 })]))).toBe("entries[0].correctsId");
    expect(badRequestPath(() => timesheet([entry({ id: "x", kind: "correction", ms: 1, correctsId: "x" })]))).toBe("entries[0].correctsId");
    expect(badRequestPath(() => timesheet([entry({ kind: "task", ms: 1, correctsId: "e1" })]))).toBe("entries[0].correctsId");
    expect(badRequestPath(() => timesheet([entry({ kind: "task", ms: 1, at: Number.NaN })]))).toBe("entries[0].at");
    expect(badRequestPath(() => timesheet([entry({ kind: "task", ms: 1, userId: "" })]))).toBe("entries[0].userId");
  });

  it("refuses duplicate ids and a correction of another contractor's or project's entry", () => {
    expect(badRequestPath(() => timesheet([entry({ id: "a", kind: "task", ms: 1 }), entry({ id: "a", kind: "task", ms: 2 })]))).toBe("entries[1].id");
    const base = entry({ id: "t", kind: "task", ms: HOUR });
    expect(badRequestPath(() => timesheet([base, entry({ kind: "correction", ms: -1, correctsId: "t", userId: "u2" })]))).toBe("entries[1].correctsId");
    expect(badRequestPath(() => timesheet([base, entry({ kind: "correction", ms: -1, correctsId: "t", projectId: "p2" })]))).toBe("entries[1].correctsId");
  });
});

describe("timesheet", () => {
  it("is empty without entries", () => {
    expect(timesheet([])).toEqual([]);
  });

  it("totals each status in its own column", () => {
    const rows = timesheet([
      entry({ kind: "task", ms: 2 * HOUR }),
      entry({ kind: "task", ms: 30 * MIN }),
      entry({ kind: "manual", ms: HOUR, status: "approved" }),
      entry({ kind: "manual", ms: 45 * MIN, status: "pending" }),
      entry({ kind: "manual", ms: 15 * MIN, status: "rejected" }),
    ]);
    expect(rows).toEqual([
      {
        userId: "u1",
        projectId: "p1",
        week: "2026-W48",
        weekFirstDay: "2026-11-23",
        autoMs: 2.5 * HOUR,
        approvedManualMs: HOUR,
        pendingManualMs: 45 * MIN,
        rejectedManualMs: 15 * MIN,
        correctionsMs: 0,
        totalApprovedMs: 3.5 * HOUR,
      },
    ]);
  });

  it("applies negative corrections to the total, in the week the correction was made", () => {
    const rows = timesheet([
      entry({ id: "t1", kind: "task", ms: 3 * HOUR, at: day("2026-11-20") }),
      entry({ kind: "correction", ms: -2 * HOUR, correctsId: "t1", at: day("2026-11-25") }),
      entry({ kind: "correction", ms: 30 * MIN, correctsId: "t1", at: day("2026-11-26"), status: "approved" }),
    ]);
    expect(rows.map((r) => [r.week, r.autoMs, r.correctionsMs, r.totalApprovedMs])).toEqual([
      ["2026-W47", 3 * HOUR, 0, 3 * HOUR],
      ["2026-W48", 0, -1.5 * HOUR, -1.5 * HOUR],
    ]);
  });

  it("does not count pending or rejected corrections", () => {
    const rows = timesheet([
      entry({ id: "t1", kind: "task", ms: HOUR }),
      entry({ kind: "correction", ms: -HOUR, correctsId: "t1", status: "pending" }),
      entry({ kind: "correction", ms: -HOUR, correctsId: "t1", status: "rejected" }),
    ]);
    expect(rows[0]!.correctionsMs).toBe(0);
    expect(rows[0]!.totalApprovedMs).toBe(HOUR);
  });

  it("accepts a correction of an entry outside the input, and a correction of a correction", () => {
    const rows = timesheet([entry({ id: "c1", kind: "correction", ms: -HOUR, correctsId: "from-last-month" }), entry({ kind: "correction", ms: HOUR, correctsId: "c1" })]);
    expect(rows[0]!.correctionsMs).toBe(0);
  });

  it("splits at ISO week boundaries across the year end and sorts by user, project, week", () => {
    const rows = timesheet([
      entry({ kind: "task", ms: HOUR, at: day("2027-01-04") }),
      entry({ kind: "task", ms: HOUR, at: day("2027-01-03") + 24 * HOUR - 1 }),
      entry({ kind: "task", ms: HOUR, at: day("2026-12-31") }),
      entry({ kind: "task", ms: HOUR, at: day("2027-01-01"), projectId: "p0" }),
      entry({ kind: "task", ms: HOUR, at: day("2020-12-31"), userId: "u0" }),
    ]);
    expect(rows.map((r) => [r.userId, r.projectId, r.week, r.autoMs])).toEqual([
      ["u0", "p1", "2020-W53", HOUR],
      ["u1", "p0", "2026-W53", HOUR],
      ["u1", "p1", "2026-W53", 2 * HOUR],
      ["u1", "p1", "2027-W01", HOUR],
    ]);
  });

  it("does not confuse ids that contain the key separator", () => {
    const rows = timesheet([entry({ kind: "task", ms: 1, userId: "a", projectId: "b,c" }), entry({ kind: "task", ms: 2, userId: "a,b", projectId: "c" })]);
    expect(rows).toHaveLength(2);
  });
});

describe("CSV", () => {
  it("neutralises formula injection (= + - @ tab CR) before quoting", () => {
    expect(csvField("=HYPERLINK(\"http://evil\")")).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField("\r=1")).toBe(`"'\r=1"`);
    expect(csvField("a=b")).toBe("a=b");
  });

  it("quotes per RFC 4180 only when a field holds a comma, quote, CR or LF", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("")).toBe("");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rlf")).toBe('"cr\rlf"');
  });

  it("formats hours with two decimals, half away from zero, no negative zero", () => {
    expect(formatHours(0)).toBe("0.00");
    expect(formatHours(90 * MIN)).toBe("1.50");
    expect(formatHours(-90 * MIN)).toBe("-1.50");
    expect(formatHours(18_000)).toBe("0.01"); // 0.005 h rounds up
    expect(formatHours(-18_000)).toBe("-0.01");
    expect(formatHours(17_999)).toBe("0.00");
    expect(formatHours(-17_999)).toBe("0.00");
    expect(formatHours(100 * HOUR + 59_999)).toBe("100.02");
  });

  it("writes a header and one CRLF-terminated line per row, hours unprefixed even when negative", () => {
    const row: TimesheetRow = {
      userId: "=cmd|' /C calc'!A0",
      projectId: "p,1",
      week: "2026-W48",
      weekFirstDay: "2026-11-23",
      autoMs: 2 * HOUR,
      approvedManualMs: 30 * MIN,
      pendingManualMs: 0,
      rejectedManualMs: 15 * MIN,
      correctionsMs: -45 * MIN,
      totalApprovedMs: 105 * MIN,
    };
    expect(timesheetCsv([row])).toBe(
      "user_id,project_id,week,week_first_day,auto_hours,approved_manual_hours,pending_manual_hours,rejected_manual_hours,corrections_hours,total_approved_hours\r\n" +
        `'=cmd|' /C calc'!A0,"p,1",2026-W48,2026-11-23,2.00,0.50,0.00,0.25,-0.75,1.75\r\n`,
    );
  });

  it("is only the header for no rows", () => {
    expect(timesheetCsv([]).split("\r\n")).toHaveLength(2);
  });

  it("round-trips a timesheet end to end", () => {
    const csv = timesheetCsv(timesheet([entry({ kind: "task", ms: HOUR, userId: "u@x" })]));
    expect(csv.split("\r\n")[1]).toBe("u@x,p1,2026-W48,2026-11-23,1.00,0.00,0.00,0.00,0.00,1.00");
  });
});

describe("parseManualEntry", () => {
  const now = Date.parse("2026-11-28T12:00:00Z");
  const ok = { projectId: "p1", start: "2026-11-28T09:00:00Z", end: "2026-11-28T10:30:00+00:00", reason: "  Calibration call with the lead  " };

  function issues(input: unknown): { path: string; message: string }[] {
    const e = thrown(() => parseManualEntry(input, now));
    expect(isSealroomError(e, "validation_failed"), String(e)).toBe(true);
    return (e as { details: { issues: { path: string; message: string }[] } }).details.issues;
  }
  const paths = (input: unknown) => issues(input).map((i) => `${i.path}: ${i.message}`);

  it("refuses what is not an entry object, and unknown fields", () => {
    expect(issues(null)[0]!.path).toBe("(entry)");
    expect(issues("x")[0]!.path).toBe("(entry)");
    expect(paths({ ...ok, userId: "someone-else" })).toEqual(['(entry): Unrecognized key: "userId"']);
  });

  it("refuses bad fields, listing every issue", () => {
    expect(paths({ projectId: "", start: 1.5, end: "2026-11-28T10:00:00", reason: "ab" })).toEqual([
      "projectId: must not be empty",
      "start: must be whole epoch milliseconds >= 0",
      "end: must be an RFC 3339 time with an offset",
      "reason: must be at least 3 characters",
    ]);
    expect(paths({ ...ok, start: true })).toEqual(["start: must be epoch milliseconds or an RFC 3339 time"]);
    expect(paths({ ...ok, start: -1 })).toEqual(["start: must be whole epoch milliseconds >= 0"]);
  });

  it("counts the reason's length after trimming, in code points, 3 to 500", () => {
    expect(paths({ ...ok, reason: "  ab  " })).toEqual(["reason: must be at least 3 characters"]);
    expect(parseManualEntry({ ...ok, reason: "abc" }, now).reason).toBe("abc");
    expect(parseManualEntry({ ...ok, reason: "😀".repeat(500) }, now).reason).toHaveLength(1000);
    expect(paths({ ...ok, reason: "a".repeat(501) })).toEqual(["reason: must be at most 500 characters"]);
    expect(paths({ ...ok, reason: "bad\u0000byte" })).toEqual(["reason: must not contain control characters"]);
    expect(parseManualEntry({ ...ok, reason: "line one\nline two" }, now).reason).toBe("line one\nline two");
  });

  it("requires end after start", () => {
    expect(paths({ ...ok, end: ok.start })).toEqual(["end: must be after start"]);
    expect(paths({ ...ok, start: ok.end, end: ok.start })).toEqual(["end: must be after start"]);
  });

  it("allows exactly 24 hours and not a millisecond more", () => {
    const start = now - 30 * HOUR;
    expect(parseManualEntry({ ...ok, start, end: start + 24 * HOUR }, now).ms).toBe(24 * HOUR);
    expect(paths({ ...ok, start, end: start + 24 * HOUR + 1 })).toEqual(["end: an entry may span at most 24 hours"]);
  });

  it("allows an entry ending now, refuses one ending a millisecond later", () => {
    expect(parseManualEntry({ ...ok, start: now - HOUR, end: now }, now).end).toBe(now);
    expect(paths({ ...ok, start: now - HOUR, end: now + 1 })).toEqual(["end: must not be in the future"]);
    expect(paths({ ...ok, start: now + HOUR, end: now + 26 * HOUR })).toEqual(["end: an entry may span at most 24 hours", "end: must not be in the future"]);
  });

  it("returns instants in ms, the span and the trimmed reason", () => {
    expect(parseManualEntry(ok, now)).toEqual({
      projectId: "p1",
      start: Date.parse("2026-11-28T09:00:00Z"),
      end: Date.parse("2026-11-28T10:30:00Z"),
      ms: 90 * MIN,
      reason: "Calibration call with the lead",
    });
    expect(parseManualEntry({ ...ok, start: now - 2 * HOUR, end: "2026-11-28T13:00:00+02:00" }, now).ms).toBe(HOUR);
  });

  it("says what is wrong in the message", () => {
    const e = thrown(() => parseManualEntry({ ...ok, end: ok.start }, now)) as Error;
    expect(e.message).toBe("The time entry is invalid: end: must be after start.");
  });

  it("refuses a malformed now as a programming error", () => {
    expect(badRequestPath(() => parseManualEntry(ok, Number.NaN))).toBe("now");
  });
});
