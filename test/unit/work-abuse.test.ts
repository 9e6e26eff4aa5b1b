/** The read token bucket and the lease signal (src/domain/work/abuse.ts). */
import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import { leaseSignal, takeToken, type TokenBucketState } from "../../src/domain/work/abuse.js";

const T0 = Date.UTC(2026, 10, 28, 12);
const LIMIT = { ratePerMinute: 60, burst: 3 }; // one token a second

function badRequestPath(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(isSealroomError(e, "bad_request"), String(e)).toBe(true);
    return (e as { details: { issues: { path: string }[] } }).details.issues[0]?.path;
  }
  expect.fail("expected a SealroomError bad_request");
}

describe("takeToken", () => {
  it("refuses a rate or burst that would disable the limit, and a non-finite now", () => {
    expect(badRequestPath(() => takeToken(undefined, T0, { ratePerMinute: 0, burst: 3 }))).toBe("ratePerMinute");
    expect(badRequestPath(() => takeToken(undefined, T0, { ratePerMinute: Number.POSITIVE_INFINITY, burst: 3 }))).toBe("ratePerMinute");
    expect(badRequestPath(() => takeToken(undefined, T0, { ratePerMinute: 60, burst: 0 }))).toBe("burst");
    expect(badRequestPath(() => takeToken(undefined, T0, { ratePerMinute: 60, burst: 1.5 }))).toBe("burst");
    expect(badRequestPath(() => takeToken(undefined, Number.NaN, LIMIT))).toBe("now");
  });

  it("starts full: a burst is allowed, the next take is refused with a Retry-After", () => {
    let state: TokenBucketState | undefined;
    const allowed: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const d = takeToken(state, T0, LIMIT);
      allowed.push(d.allowed);
      state = d.state;
    }
    expect(allowed).toEqual([true, true, true, false]);
    expect(takeToken(state, T0, LIMIT)).toEqual({ allowed: false, state: { tokens: 0, updatedAt: T0 }, retryAfterSeconds: 1 });
  });

  it("reports 0 seconds when allowed", () => {
    expect(takeToken(undefined, T0, LIMIT)).toEqual({ allowed: true, state: { tokens: 2, updatedAt: T0 }, retryAfterSeconds: 0 });
  });

  it("refills at the rate: a token is due exactly one interval later, not a millisecond before", () => {
    const empty = { tokens: 0, updatedAt: T0 };
    expect(takeToken(empty, T0 + 999, LIMIT).allowed).toBe(false);
    expect(takeToken(empty, T0 + 1000, LIMIT)).toEqual({ allowed: true, state: { tokens: 0, updatedAt: T0 + 1000 }, retryAfterSeconds: 0 });
  });

  it("keeps partial refills across refused takes", () => {
    const half = takeToken({ tokens: 0, updatedAt: T0 }, T0 + 500, LIMIT);
    expect(half).toEqual({ allowed: false, state: { tokens: 0.5, updatedAt: T0 + 500 }, retryAfterSeconds: 1 });
    expect(takeToken(half.state, T0 + 1000, LIMIT).allowed).toBe(true);
  });

  it("caps the refill at the burst", () => {
    expect(takeToken({ tokens: 0, updatedAt: T0 }, T0 + 3_600_000, LIMIT).state.tokens).toBe(2);
  });

  it("rounds Retry-After up to whole seconds at slow rates", () => {
    expect(takeToken({ tokens: 0, updatedAt: T0 }, T0, { ratePerMinute: 1, burst: 1 }).retryAfterSeconds).toBe(60);
    expect(takeToken({ tokens: 0, updatedAt: T0 }, T0 + 30_500, { ratePerMinute: 1, burst: 1 }).retryAfterSeconds).toBe(30);
    expect(takeToken({ tokens: 0.9, updatedAt: T0 }, T0, { ratePerMinute: 6, burst: 1 }).retryAfterSeconds).toBe(1);
    // (1 − 1/3) × 60 s is 40000.00000000001 ms in floating point: still 40 s, not 41.
    expect(takeToken({ tokens: 1 / 3, updatedAt: T0 }, T0, { ratePerMinute: 1, burst: 1 }).retryAfterSeconds).toBe(40);
  });

  it("treats stored state as untrusted: NaN or out-of-range tokens are clamped, a lowered burst applies at once", () => {
    expect(takeToken({ tokens: Number.NaN, updatedAt: T0 }, T0, LIMIT).state.tokens).toBe(2);
    expect(takeToken({ tokens: -5, updatedAt: T0 }, T0, LIMIT).allowed).toBe(false);
    expect(takeToken({ tokens: 1000, updatedAt: T0 }, T0, LIMIT).state.tokens).toBe(2);
  });

  it("refills nothing when the clock steps back, and restarts from the new now", () => {
    const d = takeToken({ tokens: 0, updatedAt: T0 + 60_000 }, T0, LIMIT);
    expect(d).toEqual({ allowed: false, state: { tokens: 0, updatedAt: T0 }, retryAfterSeconds: 1 });
  });

  it("does not mutate the state it is given", () => {
    const state = Object.freeze({ tokens: 2, updatedAt: T0 });
    takeToken(state, T0 + 10, LIMIT);
    expect(state).toEqual({ tokens: 2, updatedAt: T0 });
  });
});

describe("leaseSignal", () => {
  const T = { throttleAfter: 5, suspendAfter: 10 };

  it("refuses thresholds that are not 1 <= throttleAfter <= suspendAfter, and bad counters", () => {
    expect(badRequestPath(() => leaseSignal({ leasesSinceSubmit: 0 }, { throttleAfter: 0, suspendAfter: 10 }))).toBe("throttleAfter");
    expect(badRequestPath(() => leaseSignal({ leasesSinceSubmit: 0 }, { throttleAfter: 5, suspendAfter: 4 }))).toBe("suspendAfter");
    expect(badRequestPath(() => leaseSignal({ leasesSinceSubmit: -1 }, T))).toBe("leasesSinceSubmit");
    expect(badRequestPath(() => leaseSignal({ leasesSinceSubmit: 0, skipsInWindow: 0.5 }, T))).toBe("skipsInWindow");
  });

  it("is ok below throttleAfter, throttles from it, suspends from suspendAfter", () => {
    const signals = [0, 4, 5, 9, 10, 1000].map((leasesSinceSubmit) => leaseSignal({ leasesSinceSubmit }, T));
    expect(signals).toEqual(["ok", "ok", "throttle", "throttle", "suspend", "suspend"]);
  });

  it("counts skips in the window, so a junk submit that resets the lease count does not escape", () => {
    expect(leaseSignal({ leasesSinceSubmit: 0, skipsInWindow: 5 }, T)).toBe("throttle");
    expect(leaseSignal({ leasesSinceSubmit: 1, skipsInWindow: 10 }, T)).toBe("suspend");
    expect(leaseSignal({ leasesSinceSubmit: 6, skipsInWindow: 0 }, T)).toBe("throttle");
  });

  it("suspends directly when both thresholds are equal", () => {
    expect(leaseSignal({ leasesSinceSubmit: 3 }, { throttleAfter: 3, suspendAfter: 3 })).toBe("suspend");
    expect(leaseSignal({ leasesSinceSubmit: 2 }, { throttleAfter: 3, suspendAfter: 3 })).toBe("ok");
  });
});
