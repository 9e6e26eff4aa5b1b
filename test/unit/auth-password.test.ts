import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import { COMMON_PASSWORDS } from "../../src/auth/common-passwords.js";
import {
  DEFAULT_SCRYPT_PARAMS,
  FAST_SCRYPT_PARAMS,
  assertPasswordPolicy,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  verifyPassword,
} from "../../src/auth/password.js";

const PW = "correct horse battery";
const ENCODED_RE = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Replaces the first character of one `$`-separated segment with a different base64url character. */
function tamper(encoded: string, segment: number): string {
  const parts = encoded.split("$");
  const s = parts[segment] ?? "";
  parts[segment] = (s[0] === "A" ? "B" : "A") + s.slice(1);
  return parts.join("$");
}

describe("verifyPassword: unhappy paths", async () => {
  const good = await hashPassword(PW, FAST_SCRYPT_PARAMS);

  it("rejects a wrong password", async () => {
    expect(await verifyPassword("correct horse battery!", good)).toBe(false);
    expect(await verifyPassword("", good)).toBe(false);
  });

  it("rejects a tampered hash or salt", async () => {
    expect(await verifyPassword(PW, tamper(good, 3))).toBe(false);
    expect(await verifyPassword(PW, tamper(good, 2))).toBe(false);
  });

  it("rejects tampered parameters", async () => {
    expect(await verifyPassword(PW, good.replace("ln=10", "ln=11"))).toBe(false);
    expect(await verifyPassword(PW, good.replace("r=8", "r=9"))).toBe(false);
  });

  it("returns false, never throws, for malformed encodings", async () => {
    const [, , salt, hash] = good.split("$");
    const malformed = [
      "",
      "garbage",
      "scrypt",
      "scrypt$$$",
      `argon2$ln=10,r=8,p=1$${salt}$${hash}`,
      `scrypt$ln=10,r=8$${salt}$${hash}`,
      `scrypt$ln=x,r=8,p=1$${salt}$${hash}`,
      `scrypt$ln=10,r=8,p=1$${salt}`,
      `scrypt$ln=10,r=8,p=1$${salt}$${hash}$extra`,
      `scrypt$ln=10,r=8,p=1$${salt}$${hash}==`,
      `scrypt$ln=10,r=8,p=1$${salt}$${(hash ?? "").slice(0, 40)}`,
      `scrypt$ln=10,r=8,p=1$${(salt ?? "").slice(0, 8)}$${hash}`,
      `scrypt$ln=10,r=8,p=1$sa+t/with+std$${hash}`,
      // Absurd costs from a tampered row must be refused, not computed.
      `scrypt$ln=40,r=8,p=1$${salt}$${hash}`,
      `scrypt$ln=20,r=32,p=16$${salt}$${hash}`,
      `scrypt$ln=0,r=8,p=1$${salt}$${hash}`,
      `scrypt$ln=10,r=0,p=1$${salt}$${hash}`,
      ` ${good}`,
    ];
    for (const enc of malformed) {
      await expect(verifyPassword(PW, enc), enc).resolves.toBe(false);
    }
    await expect(verifyPassword(PW, undefined as unknown as string)).resolves.toBe(false);
  });

  it("rejects an absurdly long candidate without hashing it", async () => {
    expect(await verifyPassword("a".repeat(5000), good)).toBe(false);
  });
});

describe("hashPassword", () => {
  it("refuses out-of-range parameters and oversized input", async () => {
    const bad = [{ ln: 0, r: 8, p: 1 }, { ln: 31, r: 8, p: 1 }, { ln: 10, r: 0, p: 1 }, { ln: 10.5, r: 8, p: 1 }];
    for (const params of bad) {
      await expect(hashPassword(PW, params)).rejects.toSatisfy((e) => isSealroomError(e, "config_invalid"));
    }
    await expect(hashPassword("x".repeat(2000), FAST_SCRYPT_PARAMS)).rejects.toSatisfy((e) =>
      isSealroomError(e, "bad_request"),
    );
  });

  it("encodes parameters, a 16-byte salt and a 32-byte key", async () => {
    const enc = await hashPassword(PW, FAST_SCRYPT_PARAMS);
    const m = ENCODED_RE.exec(enc);
    expect(m).not.toBeNull();
    expect(m?.slice(1, 4)).toEqual(["10", "8", "1"]);
    expect(Buffer.from(m?.[4] ?? "", "base64url")).toHaveLength(16);
    expect(Buffer.from(m?.[5] ?? "", "base64url")).toHaveLength(32);
    expect(await verifyPassword(PW, enc)).toBe(true);
  });

  it("uses a fresh salt per call", async () => {
    const a = await hashPassword(PW, FAST_SCRYPT_PARAMS);
    const b = await hashPassword(PW, FAST_SCRYPT_PARAMS);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PW, a)).toBe(true);
    expect(await verifyPassword(PW, b)).toBe(true);
  });

  it("treats canonically equivalent Unicode as the same password", async () => {
    const nfc = "caf\u00e9 au lait noir";
    const nfd = "cafe\u0301 au lait noir";
    const enc = await hashPassword(nfc, FAST_SCRYPT_PARAMS);
    expect(await verifyPassword(nfd, enc)).toBe(true);
  });

  it("works with the default parameters (ln=15, r=8, p=1)", async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ ln: 15, r: 8, p: 1 });
    const enc = await hashPassword(PW);
    expect(enc.startsWith("scrypt$ln=15,r=8,p=1$")).toBe(true);
    expect(await verifyPassword(PW, enc)).toBe(true);
    expect(await verifyPassword("wrong password!", enc)).toBe(false);
  });
});

describe("needsRehash", async () => {
  const enc = await hashPassword(PW, FAST_SCRYPT_PARAMS);

  it("asks for a rehash when parameters differ or the encoding is unreadable", () => {
    expect(needsRehash(enc, DEFAULT_SCRYPT_PARAMS)).toBe(true);
    expect(needsRehash(enc, { ...FAST_SCRYPT_PARAMS, p: 2 })).toBe(true);
    expect(needsRehash("garbage", FAST_SCRYPT_PARAMS)).toBe(true);
  });

  it("does not when the parameters match", () => {
    expect(needsRehash(enc, FAST_SCRYPT_PARAMS)).toBe(false);
  });
});

describe("checkPasswordPolicy", () => {
  it("rejects too short, counting code points", () => {
    expect(checkPasswordPolicy("")).toMatch(/at least 12/);
    expect(checkPasswordPolicy("abcdefghijk")).toMatch(/at least 12/);
    // 11 emoji are 22 UTF-16 units but only 11 characters.
    expect(checkPasswordPolicy("\u{1F510}".repeat(11))).toMatch(/at least 12/);
  });

  it("rejects too long", () => {
    expect(checkPasswordPolicy("ab".repeat(128) + "c")).toMatch(/at most 256/);
    expect(checkPasswordPolicy("ab".repeat(128))).toBeNull();
  });

  it("rejects one repeated character", () => {
    expect(checkPasswordPolicy("aaaaaaaaaaaaaaaa")).toMatch(/repeated/);
    expect(checkPasswordPolicy("\u{1F510}".repeat(12))).toMatch(/repeated/);
  });

  it("rejects common passwords, case-insensitively", () => {
    expect(checkPasswordPolicy("password1234")).toMatch(/common/);
    expect(checkPasswordPolicy("PassWord1234")).toMatch(/common/);
    expect(checkPasswordPolicy("QWERTYUIOPASDFGHJKL")).toMatch(/common/);
  });

  it("rejects the email address or its local part", () => {
    const email = "Alice.Liddell@Example.org";
    expect(checkPasswordPolicy("alice.liddell@example.org", { email })).toMatch(/email/);
    expect(checkPasswordPolicy("ALICE.LIDDELL", { email })).toMatch(/email/);
    expect(checkPasswordPolicy("alice.liddell!", { email })).toBeNull();
    expect(checkPasswordPolicy("alice.liddell", { email: "" })).toBeNull();
  });

  it("accepts a reasonable password", () => {
    expect(checkPasswordPolicy("tangerine-orbit-47")).toBeNull();
    expect(checkPasswordPolicy("aaaaaaaaaaab")).toBeNull();
  });

  it("assertPasswordPolicy throws weak_password with the message", () => {
    expect(() => assertPasswordPolicy("short")).toThrow(/at least 12/);
    try {
      assertPasswordPolicy("password1234");
      expect.unreachable();
    } catch (e) {
      expect(isSealroomError(e, "weak_password")).toBe(true);
    }
    expect(() => assertPasswordPolicy("tangerine-orbit-47")).not.toThrow();
  });
});

describe("COMMON_PASSWORDS", () => {
  it("holds a few hundred lowercase, trimmed entries", () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(200);
    expect(COMMON_PASSWORDS.size).toBeLessThanOrEqual(400);
    for (const p of COMMON_PASSWORDS) {
      expect(p).toBe(p.toLowerCase());
      expect(p).toBe(p.trim());
      expect(p.length).toBeGreaterThan(0);
    }
  });
});
