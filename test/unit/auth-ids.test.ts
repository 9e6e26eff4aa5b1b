import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import { isUuid, uuidv7 } from "../../src/auth/ids.js";

const timestampOf = (id: string): number => parseInt(id.replace(/-/g, "").slice(0, 12), 16);

describe("isUuid", () => {
  it("rejects non-canonical forms", () => {
    for (const bad of [
      "",
      "not-a-uuid",
      "017F22E2-79B0-7CC3-98C4-DC0C0C07398F",
      "017f22e279b07cc398c4dc0c0c07398f",
      "{017f22e2-79b0-7cc3-98c4-dc0c0c07398f}",
      "017f22e2-79b0-7cc3-98c4-dc0c0c07398",
      "017f22e2-79b0-7cc3-98c4-dc0c0c07398f0",
      "017f22e2-79b0-7cc3-98c4-dc0c0c07398g",
      " 017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
      "017f22e2-79b0-7cc3-98c4-dc0c0c07398f\n",
    ]) {
      expect(isUuid(bad), bad).toBe(false);
    }
    expect(isUuid(42 as unknown as string)).toBe(false);
  });

  it("accepts any version in lowercase canonical form", () => {
    expect(isUuid("017f22e2-79b0-7cc3-98c4-dc0c0c07398f")).toBe(true); // RFC 9562 A.6
    expect(isUuid("919108f7-52d1-4320-9bac-f847db4148a8")).toBe(true); // RFC 9562 A.3 (v4)
    expect(isUuid("00000000-0000-0000-0000-000000000000")).toBe(true);
    expect(isUuid(uuidv7())).toBe(true);
  });
});

describe("uuidv7", () => {
  it("refuses timestamps outside the 48-bit field", () => {
    for (const bad of [-1, 1.5, 2 ** 48, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => uuidv7(bad), String(bad)).toThrow();
      try {
        uuidv7(bad);
      } catch (e) {
        expect(isSealroomError(e, "bad_request")).toBe(true);
      }
    }
  });

  it("lays out timestamp, version and variant per RFC 9562 section 5.7", () => {
    // RFC 9562 Appendix A.6: unix_ts_ms 0x017F22E279B0 (2022-02-22 19:22:22 UTC).
    const id = uuidv7(0x017f22e279b0);
    expect(id.startsWith("017f22e2-79b0-7")).toBe(true);
    expect(id[19]).toMatch(/[89ab]/);
    expect(isUuid(id)).toBe(true);
    expect(uuidv7(0).startsWith("00000000-0000-7")).toBe(true);
    expect(uuidv7(2 ** 48 - 1).startsWith("ffffffff-ffff-7")).toBe(true);
  });

  it("encodes the current time by default", () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(id)).toBeLessThanOrEqual(after + 1);
  });

  it("sorts by time and is strictly increasing within one millisecond", () => {
    expect(uuidv7(1000) < uuidv7(2000)).toBe(true);
    // More ids than rand_a alone could count (4096) in one ms; order must hold
    // and the timestamp must stay the one asked for.
    const ids = Array.from({ length: 10_000 }, () => uuidv7(5_000_000));
    for (let i = 1; i < ids.length; i++) {
      expect((ids[i - 1] ?? "") < (ids[i] ?? "")).toBe(true);
    }
    expect(new Set(ids.map(timestampOf))).toEqual(new Set([5_000_000]));
    const wall = Array.from({ length: 2_000 }, () => uuidv7());
    expect([...wall].sort()).toEqual(wall);
  });

  it("honours an explicit earlier timestamp", () => {
    uuidv7(9_000);
    expect(timestampOf(uuidv7(8_999))).toBe(8_999);
  });

  it("keeps random bits random", () => {
    const ids = Array.from({ length: 1000 }, () => uuidv7());
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(1000);
  });
});
