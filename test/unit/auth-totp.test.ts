import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totpAt,
  verifyTotp,
  type TotpAlgorithm,
} from "../../src/auth/totp.js";

const badRequest = (e: unknown): boolean => isSealroomError(e, "bad_request");

// RFC 4226 Appendix D uses this ASCII secret; RFC 6238 Appendix B extends it per hash size.
const SEED20 = Buffer.from("12345678901234567890", "ascii");
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: SEED20,
  sha256: Buffer.from("12345678901234567890123456789012", "ascii"),
  sha512: Buffer.from("1234567890123456789012345678901234567890123456789012345678901234", "ascii"),
};

describe("base32 (RFC 4648)", () => {
  it("rejects characters outside the alphabet", () => {
    for (const bad of ["MZ1W6===", "MZXW0YTB", "MZ=XW6YTB", "__proto__", "MZXW6YT!", "MZXW\u00c9YTB"]) {
      expect(() => base32Decode(bad), bad).toThrow();
      try {
        base32Decode(bad);
      } catch (e) {
        expect(badRequest(e)).toBe(true);
      }
    }
  });

  it("rejects lengths that cannot come from whole bytes", () => {
    for (const bad of ["M", "MZX", "MZXW6Y", "MZXW6YTBM"]) {
      expect(() => base32Decode(bad), bad).toThrow(/length/);
    }
  });

  it("matches the RFC 4648 section 10 vectors", () => {
    const vectors: Array<[string, string]> = [
      ["", ""],
      ["f", "MY======"],
      ["fo", "MZXQ===="],
      ["foo", "MZXW6==="],
      ["foob", "MZXW6YQ="],
      ["fooba", "MZXW6YTB"],
      ["foobar", "MZXW6YTBOI======"],
    ];
    for (const [plain, padded] of vectors) {
      const unpadded = padded.replace(/=+$/, "");
      expect(base32Encode(Buffer.from(plain, "ascii"))).toBe(unpadded);
      expect(base32Decode(padded).toString("ascii")).toBe(plain);
      expect(base32Decode(unpadded).toString("ascii")).toBe(plain);
    }
  });

  it("is case-insensitive and tolerates spaces and padding", () => {
    expect(base32Decode("mzxw 6ytb oi").toString("ascii")).toBe("foobar");
    expect(base32Decode(" MzXw6YtBoI====== \n").toString("ascii")).toBe("foobar");
  });

  it("round-trips random bytes of every length", () => {
    for (let n = 0; n < 40; n++) {
      const data = generateTotpSecret().subarray(0, Math.min(n, 20));
      const bytes = Buffer.concat([data, Buffer.alloc(Math.max(0, n - 20), 0xa5)]);
      expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
    }
  });
});

describe("HOTP (RFC 4226 Appendix D)", () => {
  it("rejects a negative or fractional counter", () => {
    expect(() => hotp(SEED20, -1)).toThrow();
    expect(() => hotp(SEED20, 1.5)).toThrow();
  });

  it("matches the published values", () => {
    const expected = [
      "755224", "287082", "359152", "969429", "338314",
      "254676", "287922", "162583", "399871", "520489",
    ];
    expected.forEach((code, counter) => expect(hotp(SEED20, counter)).toBe(code));
  });
});

describe("totpAt (RFC 6238 Appendix B)", () => {
  it("rejects bad options and times", () => {
    expect(() => totpAt(SEED20, -1)).toThrow();
    expect(() => totpAt(SEED20, Number.NaN)).toThrow();
    expect(() => totpAt(SEED20, 59, { digits: 7 as 6 })).toThrow();
    expect(() => totpAt(SEED20, 59, { stepSeconds: 0 })).toThrow();
    expect(() => totpAt(SEED20, 59, { algorithm: "md5" as "sha1" })).toThrow();
  });

  const table: Array<[number, string, string, string]> = [
    [59, "94287082", "46119246", "90693936"],
    [1111111109, "07081804", "68084774", "25091201"],
    [1111111111, "14050471", "67062674", "99943326"],
    [1234567890, "89005924", "91819424", "93441116"],
    [2000000000, "69279037", "90698825", "38618901"],
    [20000000000, "65353130", "77737706", "47863826"],
  ];
  for (const [time, sha1, sha256, sha512] of table) {
    it(`T=${time}`, () => {
      expect(totpAt(SEEDS.sha1, time, { digits: 8, algorithm: "sha1" })).toBe(sha1);
      expect(totpAt(SEEDS.sha256, time, { digits: 8, algorithm: "sha256" })).toBe(sha256);
      expect(totpAt(SEEDS.sha512, time, { digits: 8, algorithm: "sha512" })).toBe(sha512);
    });
  }

  it("defaults to 6 digits, SHA-1, 30 s steps", () => {
    expect(totpAt(SEED20, 59)).toBe("287082"); // step 1 = HOTP counter 1
    expect(totpAt(SEED20, 60)).toBe("359152"); // step 2
  });
});

describe("verifyTotp", () => {
  const secret = SEED20;
  const now = 1_000_000_020; // inside step 33333334 (starts at ..020)
  const step = Math.floor(now / 30);
  const codeAt = (s: number): string => hotp(secret, s);

  it("rejects a wrong code", () => {
    const wrong = codeAt(step) === "000000" ? "000001" : "000000";
    expect(verifyTotp(secret, wrong, now)).toBeNull();
  });

  it("rejects codes of the wrong shape", () => {
    const good = codeAt(step);
    for (const bad of ["", good.slice(0, 5), good + "0", `${good.slice(0, 5)}x`, "１２３４５６", `-${good.slice(1)}`]) {
      expect(verifyTotp(secret, bad, now), bad).toBeNull();
    }
    expect(verifyTotp(secret, undefined as unknown as string, now)).toBeNull();
  });

  it("rejects steps outside the window", () => {
    expect(verifyTotp(secret, codeAt(step - 2), now)).toBeNull();
    expect(verifyTotp(secret, codeAt(step + 2), now)).toBeNull();
    expect(verifyTotp(secret, codeAt(step - 1), now, { window: 0 })).toBeNull();
    expect(verifyTotp(secret, codeAt(step + 1), now, { window: 0 })).toBeNull();
  });

  it("rejects a replayed or older step", () => {
    expect(verifyTotp(secret, codeAt(step), now, { lastUsedStep: step })).toBeNull();
    expect(verifyTotp(secret, codeAt(step - 1), now, { lastUsedStep: step })).toBeNull();
    expect(verifyTotp(secret, codeAt(step), now, { lastUsedStep: step + 1 })).toBeNull();
  });

  it("refuses an invalid window", () => {
    expect(() => verifyTotp(secret, codeAt(step), now, { window: -1 })).toThrow();
    expect(() => verifyTotp(secret, codeAt(step), now, { window: 11 })).toThrow();
    expect(() => verifyTotp(secret, codeAt(step), now, { window: 1.5 })).toThrow();
  });

  it("accepts the current step and one step either side by default", () => {
    expect(verifyTotp(secret, codeAt(step), now)).toBe(step);
    expect(verifyTotp(secret, codeAt(step - 1), now)).toBe(step - 1);
    expect(verifyTotp(secret, codeAt(step + 1), now)).toBe(step + 1);
    expect(verifyTotp(secret, codeAt(step + 2), now, { window: 2 })).toBe(step + 2);
  });

  it("accepts a step after the last used one, and strips spaces", () => {
    expect(verifyTotp(secret, codeAt(step), now, { lastUsedStep: step - 1 })).toBe(step);
    expect(verifyTotp(secret, codeAt(step + 1), now, { lastUsedStep: step })).toBe(step + 1);
    const c = codeAt(step);
    expect(verifyTotp(secret, ` ${c.slice(0, 3)} ${c.slice(3)} `, now, { lastUsedStep: null })).toBe(step);
  });

  it("tracks step boundaries exactly", () => {
    // T=59 is the last second of step 1; T=60 starts step 2.
    expect(verifyTotp(secret, codeAt(3), 59, { window: 1 })).toBeNull();
    expect(verifyTotp(secret, codeAt(3), 60, { window: 1 })).toBe(3);
    expect(verifyTotp(secret, codeAt(0), 30, { window: 1 })).toBe(0);
    expect(verifyTotp(secret, codeAt(0), 60, { window: 1 })).toBeNull();
  });

  it("supports 8 digits and other algorithms", () => {
    expect(verifyTotp(SEEDS.sha256, "91819424", 1234567890, { digits: 8, algorithm: "sha256" })).toBe(
      Math.floor(1234567890 / 30),
    );
    expect(verifyTotp(SEEDS.sha256, "91819424", 1234567890, { digits: 8, algorithm: "sha1" })).toBeNull();
    expect(verifyTotp(SEEDS.sha256, "918194", 1234567890, { digits: 8, algorithm: "sha256" })).toBeNull();
  });
});

describe("generateTotpSecret", () => {
  it("returns 20 fresh random bytes", () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toHaveLength(20);
    expect(a.equals(b)).toBe(false);
  });
});

describe("otpauthUri", () => {
  const secret = Buffer.from("foobar", "ascii");

  it("rejects empty values and colons", () => {
    expect(() => otpauthUri("", "a@b.c", secret)).toThrow();
    expect(() => otpauthUri("Sealroom", "", secret)).toThrow();
    expect(() => otpauthUri("Seal:room", "a@b.c", secret)).toThrow();
    expect(() => otpauthUri("Sealroom", "a:b@c.d", secret)).toThrow();
  });

  it("builds a Key URI with an encoded label, issuer and unpadded secret", () => {
    const uri = otpauthUri("Acme Sealroom & Co", "alice+ops@example.org", secret);
    expect(uri).toBe(
      "otpauth://totp/Acme%20Sealroom%20%26%20Co:alice%2Bops%40example.org" +
        "?secret=MZXW6YTBOI&issuer=Acme%20Sealroom%20%26%20Co&algorithm=SHA1&digits=6&period=30",
    );
    const u = new URL(uri);
    expect(u.protocol).toBe("otpauth:");
    expect(u.searchParams.get("issuer")).toBe("Acme Sealroom & Co");
    expect(base32Decode(u.searchParams.get("secret") ?? "").equals(secret)).toBe(true);
  });
});
