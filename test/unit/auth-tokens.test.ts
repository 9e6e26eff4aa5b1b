import { describe, expect, it } from "vitest";
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  hashToken,
  normalizeRecoveryCode,
  randomToken,
  safeEqual,
} from "../../src/auth/tokens.js";

const CODE_RE = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

describe("randomToken", () => {
  it("refuses weak sizes and unsafe prefixes", () => {
    expect(() => randomToken("sr_", 15)).toThrow();
    expect(() => randomToken("sr_", 0)).toThrow();
    expect(() => randomToken("sr_", 16.5)).toThrow();
    expect(() => randomToken("sr sess", 32)).toThrow();
    expect(() => randomToken("sr/", 32)).toThrow();
    expect(() => randomToken("x".repeat(33))).toThrow();
  });

  it("is prefix + base64url of the requested bytes, and fresh each time", () => {
    const t = randomToken("sr_sess_");
    expect(t).toMatch(/^sr_sess_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t.slice("sr_sess_".length), "base64url")).toHaveLength(32);
    expect(randomToken("", 16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const seen = new Set(Array.from({ length: 200 }, () => randomToken("t_")));
    expect(seen.size).toBe(200);
  });
});

describe("hashToken", () => {
  it("is hex SHA-256 (FIPS 180-2 'abc' vector)", () => {
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashToken("abd")).not.toBe(hashToken("abc"));
  });
});

describe("safeEqual", () => {
  it("is false for different strings of equal or unequal length", () => {
    expect(safeEqual("secret-a", "secret-b")).toBe(false);
    expect(safeEqual("secret", "secret-longer")).toBe(false);
    expect(safeEqual("secret-longer", "secret")).toBe(false);
    expect(safeEqual("", "x")).toBe(false);
    expect(safeEqual("e\u0301", "\u00e9")).toBe(false);
  });

  it("is true for equal strings", () => {
    expect(safeEqual("", "")).toBe(true);
    expect(safeEqual("sr_abc\u{1F510}", "sr_abc\u{1F510}")).toBe(true);
  });
});

describe("recovery codes", () => {
  it("refuses an invalid count", () => {
    expect(() => generateRecoveryCodes(0)).toThrow();
    expect(() => generateRecoveryCodes(-1)).toThrow();
    expect(() => generateRecoveryCodes(2.5)).toThrow();
    expect(() => generateRecoveryCodes(1000)).toThrow();
  });

  it("generates ten unique codes of three dash-separated groups by default", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) {
      expect(c).toMatch(CODE_RE);
      expect(c).not.toMatch(/[ilou]/);
    }
  });

  it("uses all 32 symbols, so each code carries 12 x 5 = 60 bits", () => {
    const symbols = new Set(generateRecoveryCodes(100).join("").replace(/-/g, ""));
    expect(symbols.size).toBe(32);
  });

  it("normalizes typing variations to the canonical form", () => {
    expect(normalizeRecoveryCode("ABCD-EFGH-JKMN")).toBe("abcd-efgh-jkmn");
    expect(normalizeRecoveryCode(" abcd efgh\tjkmn ")).toBe("abcd-efgh-jkmn");
    expect(normalizeRecoveryCode("abcdefghjkmn")).toBe("abcd-efgh-jkmn");
    expect(normalizeRecoveryCode("ab-cd--ef gh-jk-mn")).toBe("abcd-efgh-jkmn");
    // Crockford: o reads as 0, i and l as 1.
    expect(normalizeRecoveryCode("OIL0-1234-5678")).toBe("0110-1234-5678");
  });

  it("hashes equivalent spellings equally and different codes differently", () => {
    const [a, b] = generateRecoveryCodes(2);
    expect(hashRecoveryCode(a ?? "")).toBe(hashRecoveryCode((a ?? "").toUpperCase().replace(/-/g, " ")));
    expect(hashRecoveryCode(a ?? "")).not.toBe(hashRecoveryCode(b ?? ""));
    expect(hashRecoveryCode("ABCD EFGH JKMN")).toBe(hashToken("abcd-efgh-jkmn"));
    expect(hashRecoveryCode("abcd-efgh-jkmm")).not.toBe(hashToken("abcd-efgh-jkmn"));
  });
});
