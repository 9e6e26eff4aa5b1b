/** Work sessions from task events and the measured time on one task (src/domain/work/hours.ts). */
import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import { activeMsOfTask, deriveSessions, type TaskEvent, type TaskEventKind } from "../../src/domain/work/hours.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 28, 9);
const IDLE = { idleGapMs: 5 * MIN };

function ev(kind: TaskEventKind, minutes: number, assignmentId = "a1", projectId = "p1"): TaskEvent {
  return { kind, at: T0 + minutes * MIN, projectId, assignmentId };
}

function badRequest(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(isSealroomError(e, "bad_request"), String(e)).toBe(true);
    return (e as { details: { issues: { path: string }[] } }).details.issues[0]?.path;
  }
  expect.fail("expected a SealroomError bad_request");
}

describe("deriveSessions: refusals", () => {
  it("refuses a negative or non-finite idle gap", () => {
    expect(badRequest(() => deriveSessions([], { idleGapMs: -1 }))).toBe("idleGapMs");
    expect(badRequest(() => deriveSessions([], { idleGapMs: Number.NaN }))).toBe("idleGapMs");
  });

  it("refuses an unknown kind (prototype names included), a bad time or empty ids, naming the event", () => {
    expect(badRequest(() => deriveSessions([ev("lease", 0), { ...ev("lease", 1), kind: "toString" as TaskEventKind }], IDLE))).toBe("events[1].kind");
    expect(badRequest(() => deriveSessions([{ ...ev("lease", 0), kind: "__proto__" as TaskEventKind }], IDLE))).toBe("events[0].kind");
    expect(badRequest(() => deriveSessions([{ ...ev("lease", 0), at: 1.5 }], IDLE))).toBe("events[0].at");
    expect(badRequest(() => deriveSessions([{ ...ev("lease", 0), at: Number.NaN }], IDLE))).toBe("events[0].at");
    expect(badRequest(() => deriveSessions([ev("lease", 0, "")], IDLE))).toBe("events[0].assignmentId");
    expect(badRequest(() => deriveSessions([ev("lease", 0, "a1", "")], IDLE))).toBe("events[0].projectId");
  });
});

describe("deriveSessions", () => {
  it("has no sessions without events", () => {
    expect(deriveSessions([], IDLE)).toEqual([]);
  });

  it("makes one session of a lease, heartbeats and a submit", () => {
    const s = deriveSessions([ev("lease", 0), ev("heartbeat", 2), ev("draft", 4), ev("submit", 6)], IDLE);
    expect(s).toEqual([{ projectId: "p1", start: T0, end: T0 + 6 * MIN, activeMs: 6 * MIN, assignmentIds: ["a1"] }]);
  });

  it("gives a lone event a zero-length session that still names its assignment", () => {
    expect(deriveSessions([ev("skip", 3)], IDLE)).toEqual([{ projectId: "p1", start: T0 + 3 * MIN, end: T0 + 3 * MIN, activeMs: 0, assignmentIds: ["a1"] }]);
  });

  it("keeps a gap of exactly idleGapMs and splits on one millisecond more, not counting the gap", () => {
    const exact = deriveSessions([ev("lease", 0), ev("submit", 5)], IDLE);
    expect(exact).toHaveLength(1);
    expect(exact[0]!.activeMs).toBe(5 * MIN);
    const over = deriveSessions([ev("lease", 0), ev("heartbeat", 1), { ...ev("submit", 6), at: T0 + 6 * MIN + 1 }], IDLE);
    expect(over.map((s) => [s.start - T0, s.end - T0, s.activeMs])).toEqual([
      [0, MIN, MIN],
      [6 * MIN + 1, 6 * MIN + 1, 0],
    ]);
  });

  it("sorts unsorted input, so any order gives the same sessions", () => {
    const events = [ev("lease", 0, "a1"), ev("submit", 4, "a1"), ev("lease", 4, "a2"), ev("heartbeat", 7, "a2"), ev("submit", 9, "a2"), ev("lease", 30, "a3"), ev("submit", 32, "a3")];
    const expected = [
      { projectId: "p1", start: T0, end: T0 + 9 * MIN, activeMs: 9 * MIN, assignmentIds: ["a1", "a2"] },
      { projectId: "p1", start: T0 + 30 * MIN, end: T0 + 32 * MIN, activeMs: 2 * MIN, assignmentIds: ["a3"] },
    ];
    expect(deriveSessions(events, IDLE)).toEqual(expected);
    expect(deriveSessions([...events].reverse(), IDLE)).toEqual(expected);
    expect(deriveSessions([events[3]!, events[0]!, events[6]!, events[2]!, events[5]!, events[1]!, events[4]!], IDLE)).toEqual(expected);
  });

  it("orders events in the same millisecond by lifecycle kind, then ids, whatever the input order", () => {
    const same = [ev("submit", 0, "a1"), ev("lease", 0, "a2"), ev("heartbeat", 0, "a0")];
    expect(deriveSessions(same, IDLE)[0]!.assignmentIds).toEqual(["a2", "a0", "a1"]);
    expect(deriveSessions([...same].reverse(), IDLE)[0]!.assignmentIds).toEqual(["a2", "a0", "a1"]);
  });

  it("closes the session on a change of project, counting the hand-over to the project left", () => {
    const s = deriveSessions([ev("lease", 0, "a1", "p1"), ev("submit", 3, "a1", "p1"), ev("lease", 4, "b1", "p2"), ev("submit", 8, "b1", "p2")], IDLE);
    expect(s.map((x) => [x.projectId, x.start - T0, x.end - T0, x.activeMs])).toEqual([
      ["p1", 0, 4 * MIN, 4 * MIN],
      ["p2", 4 * MIN, 8 * MIN, 4 * MIN],
    ]);
  });

  it("pays interleaved projects as wall-clock time, never twice", () => {
    const events = [ev("lease", 0, "a1", "p1"), ev("lease", 1, "b1", "p2"), ev("heartbeat", 2, "a1", "p1"), ev("heartbeat", 3, "b1", "p2"), ev("submit", 4, "a1", "p1")];
    const s = deriveSessions(events, IDLE);
    expect(s.map((x) => x.projectId)).toEqual(["p1", "p2", "p1", "p2", "p1"]);
    expect(s.reduce((sum, x) => sum + x.activeMs, 0)).toBe(4 * MIN);
  });

  it("does not carry the hand-over across an idle gap", () => {
    const s = deriveSessions([ev("lease", 0, "a1", "p1"), ev("submit", 2, "a1", "p1"), ev("lease", 20, "b1", "p2")], IDLE);
    expect(s.map((x) => [x.projectId, x.end - T0])).toEqual([
      ["p1", 2 * MIN],
      ["p2", 20 * MIN],
    ]);
  });

  it("ignores expire events: the server's timer is no evidence of work", () => {
    const s = deriveSessions([ev("lease", 0), ev("heartbeat", 1), ev("expire", 5)], IDLE);
    expect(s).toEqual([{ projectId: "p1", start: T0, end: T0 + MIN, activeMs: MIN, assignmentIds: ["a1"] }]);
    expect(deriveSessions([ev("expire", 5)], IDLE)).toEqual([]);
  });

  it("lists each assignment once, in order of first event", () => {
    const s = deriveSessions([ev("lease", 0, "a2"), ev("lease", 1, "a1"), ev("heartbeat", 2, "a2"), ev("submit", 3, "a1")], IDLE);
    expect(s[0]!.assignmentIds).toEqual(["a2", "a1"]);
  });

  it("does not mutate its input", () => {
    const events = [ev("submit", 3), ev("lease", 0)];
    const copy = structuredClone(events);
    deriveSessions(events, IDLE);
    expect(events).toEqual(copy);
  });

  it("with idleGapMs 0 only events in the same millisecond share a session", () => {
    const s = deriveSessions([ev("lease", 0), ev("heartbeat", 0), ev("submit", 1)], { idleGapMs: 0 });
    expect(s.map((x) => x.activeMs)).toEqual([0, 0]);
  });
});

describe("activeMsOfTask", () => {
  const at = (minutes: number) => T0 + minutes * MIN;

  it("is submit − lease when no silence exceeds the idle gap", () => {
    expect(activeMsOfTask(at(0), [at(2), at(4)], at(6), 5 * MIN)).toBe(6 * MIN);
    expect(activeMsOfTask(at(0), [], at(5), 5 * MIN)).toBe(5 * MIN);
  });

  it("leaves out every silence longer than the idle gap, keeping one exactly at it", () => {
    // 0 → 2 (2), 2 → 12 (10, idle), 12 → 17 (5, kept), 17 → 18 (1)
    expect(activeMsOfTask(at(0), [at(2), at(12), at(17)], at(18), 5 * MIN)).toBe(8 * MIN);
    expect(activeMsOfTask(at(0), [], at(5) + 1, 5 * MIN)).toBe(0);
  });

  it("sorts heartbeats and ignores those outside the lease (stale tabs)", () => {
    expect(activeMsOfTask(at(10), [at(14), at(1), at(12), at(40)], at(16), 5 * MIN)).toBe(6 * MIN);
    expect(activeMsOfTask(at(10), [at(9), at(17)], at(16), 5 * MIN)).toBe(0);
  });

  it("is 0 for a submit in the lease's millisecond", () => {
    expect(activeMsOfTask(at(0), [at(0)], at(0), 5 * MIN)).toBe(0);
  });

  it("refuses a submit before the lease and malformed times", () => {
    expect(badRequest(() => activeMsOfTask(at(5), [], at(4), MIN))).toBe("submittedAt");
    expect(badRequest(() => activeMsOfTask(at(0), [at(1), Number.NaN], at(4), MIN))).toBe("heartbeats[1]");
    expect(badRequest(() => activeMsOfTask(-1, [], at(4), MIN))).toBe("leasedAt");
    expect(badRequest(() => activeMsOfTask(at(0), [], at(4), -1))).toBe("idleGapMs");
  });

  it("agrees with deriveSessions on a single task", () => {
    const beats = [1, 2, 9, 10, 11, 30];
    const events = [ev("lease", 0), ...beats.map((m) => ev("heartbeat", m)), ev("submit", 31)];
    const sessions = deriveSessions(events, IDLE);
    expect(activeMsOfTask(at(0), beats.map(at), at(31), IDLE.idleGapMs)).toBe(sessions.reduce((sum, s) => sum + s.activeMs, 0));
  });
});
