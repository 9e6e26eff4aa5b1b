import { createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import {
  encodeAssociatedData,
  gcmDecrypt,
  gcmEncrypt,
  openWithKey,
  readKeyVersion,
  sealWithKey,
  type SealContext,
} from "../../src/seal/envelope.js";

const ctx: SealContext = { tenantId: "t1", table: "items", rowId: "42", field: "payload" };
const newKey = (): KeyObject => createSecretKey(randomBytes(32));

/** Runs `fn` and returns what it threw (fails the test when nothing was thrown). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw, got none");
}

/** The one failure every bad open must produce: same code, same message, no detail, no cause. */
function expectUniformFailure(e: unknown): void {
  expect(e).toBeInstanceOf(SealroomError);
  const err = e as SealroomError;
  expect(err.code).toBe("decryption_failed");
  expect(err.message).toBe("decryption failed");
  expect(err.cause).toBeUndefined();
  expect(err.details).toEqual({});
}

describe("openWithKey refuses anything it did not seal for this exact place", () => {
  const key = newKey();
  const blob = sealWithKey(key, 3, ctx, Buffer.from("hi"));

  it.each([
    ["another tenant", { ...ctx, tenantId: "t2" }],
    ["another table", { ...ctx, table: "answers" }],
    ["another row", { ...ctx, rowId: "43" }],
    ["another field", { ...ctx, field: "comment" }],
  ])("a ciphertext moved to %s fails", (_name, moved) => {
    expectUniformFailure(thrown(() => openWithKey(key, moved, blob)));
  });

  it("every single flipped byte position fails", () => {
    expect(blob.length).toBe(1 + 4 + 12 + 2 + 16);
    for (let i = 0; i < blob.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(blob);
        bad[i] = (bad[i] as number) ^ mask;
        expectUniformFailure(thrown(() => openWithKey(key, ctx, bad)));
      }
    }
  });

  it("the blob truncated at every length fails", () => {
    for (let n = 0; n < blob.length; n++) {
      expectUniformFailure(thrown(() => openWithKey(key, ctx, blob.subarray(0, n))));
    }
  });

  it("a blob with bytes appended fails", () => {
    expectUniformFailure(thrown(() => openWithKey(key, ctx, Buffer.concat([blob, Buffer.from([0])]))));
  });

  it("the wrong key fails", () => {
    expectUniformFailure(thrown(() => openWithKey(newKey(), ctx, blob)));
  });

  it("an unknown format byte fails even with a valid body", () => {
    const v2 = Buffer.from(blob);
    v2[0] = 0x02;
    expectUniformFailure(thrown(() => openWithKey(key, ctx, v2)));
  });

  it("all these failures are indistinguishable", () => {
    const truncated = blob.subarray(0, 10);
    const flipped = Buffer.from(blob);
    flipped[blob.length - 1] = (flipped[blob.length - 1] as number) ^ 1;
    const errors = [
      thrown(() => openWithKey(newKey(), ctx, blob)),
      thrown(() => openWithKey(key, { ...ctx, rowId: "x" }, blob)),
      thrown(() => openWithKey(key, ctx, truncated)),
      thrown(() => openWithKey(key, ctx, flipped)),
      thrown(() => openWithKey(key, ctx, Buffer.from([9, ...blob.subarray(1)]))),
    ] as SealroomError[];
    const shapes = errors.map((e) => JSON.stringify([e.name, e.code, e.message, e.details, e.cause]));
    expect(new Set(shapes).size).toBe(1);
  });
});

describe("readKeyVersion", () => {
  it("refuses too-short input and unknown formats", () => {
    expectUniformFailure(thrown(() => readKeyVersion(Buffer.alloc(0))));
    expectUniformFailure(thrown(() => readKeyVersion(Buffer.alloc(32, 1))));
    expectUniformFailure(thrown(() => readKeyVersion(Buffer.alloc(33, 2))));
    // Format 1 but version 0, which is never issued.
    expectUniformFailure(thrown(() => readKeyVersion(Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), Buffer.alloc(28)]))));
  });

  it("reads the big-endian version from the header", () => {
    const blob = sealWithKey(newKey(), 0x01020304, ctx, Buffer.alloc(0));
    expect(blob.subarray(0, 5).toString("hex")).toBe("0101020304");
    expect(readKeyVersion(blob)).toBe(0x01020304);
    expect(readKeyVersion(new Uint8Array(blob))).toBe(0x01020304);
  });
});

describe("sealWithKey", () => {
  it("refuses a version outside 1..2^32-1 and a key that is not 32 bytes", () => {
    const key = newKey();
    for (const v of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
      expect((thrown(() => sealWithKey(key, v, ctx, Buffer.alloc(1))) as SealroomError).code).toBe("bad_request");
    }
    const short = createSecretKey(randomBytes(16));
    expect((thrown(() => sealWithKey(short, 1, ctx, Buffer.alloc(1))) as SealroomError).code).toBe("bad_request");
  });

  it("refuses an empty context field", () => {
    const e = thrown(() => sealWithKey(newKey(), 1, { ...ctx, rowId: "" }, Buffer.alloc(1))) as SealroomError;
    expect(e.code).toBe("bad_request");
  });

  it("round-trips bytes and the empty value, with a fresh nonce each time", () => {
    const key = newKey();
    const plain = randomBytes(100);
    const a = sealWithKey(key, 7, ctx, plain);
    const b = sealWithKey(key, 7, ctx, plain);
    expect(a.equals(b)).toBe(false);
    expect(a.length).toBe(1 + 4 + 12 + 100 + 16);
    expect(openWithKey(key, ctx, a).equals(plain)).toBe(true);
    expect(openWithKey(key, ctx, b).equals(plain)).toBe(true);
    expect(openWithKey(key, ctx, sealWithKey(key, 1, ctx, new Uint8Array(0))).length).toBe(0);
  });

  it("does not leave the plaintext readable in the blob", () => {
    const plain = Buffer.from("a very recognisable secret sentence");
    const blob = sealWithKey(newKey(), 1, ctx, plain);
    expect(blob.includes(plain)).toBe(false);
  });
});

describe("encodeAssociatedData", () => {
  it("matches the known encoding: label, then length-prefixed fields in fixed order", () => {
    const expected =
      "7365616c726f6f6d2d61642f7631" + // "sealroom-ad/v1"
      "00000002" + "7431" + // tenantId "t1"
      "00000005" + "6974656d73" + // table "items"
      "00000002" + "3432" + // rowId "42"
      "00000007" + "7061796c6f6164"; // field "payload"
    expect(encodeAssociatedData(ctx).toString("hex")).toBe(expected);
  });

  it("is unambiguous where a plain join would collide", () => {
    const a = encodeAssociatedData({ tenantId: "t", table: "ab", rowId: "c", field: "f" });
    const b = encodeAssociatedData({ tenantId: "t", table: "a", rowId: "bc", field: "f" });
    expect(a.equals(b)).toBe(false);
  });

  it("counts UTF-8 bytes, not characters, and refuses lone surrogates", () => {
    const ad = encodeAssociatedData({ ...ctx, tenantId: "é" });
    expect(ad.subarray(14, 20).toString("hex")).toBe("00000002c3a9");
    const e = thrown(() => encodeAssociatedData({ ...ctx, rowId: "\ud800" })) as SealroomError;
    expect(e.code).toBe("bad_request");
  });
});

describe("gcmEncrypt / gcmDecrypt", () => {
  // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16
  // (AES-256, 96-bit IV, 20-byte AAD), the vectors SP 800-38D validation uses.
  const key = createSecretKey(Buffer.from("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "hex"));
  const iv = "cafebabefacedbaddecaf888";
  const aad = Buffer.from("feedfacedeadbeeffeedfacedeadbeefabaddad2", "hex");
  const pt =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
  const ct =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
  const tag = "76fc6ece0f4e1768cddf8853bb2d551b";

  it("refuses the known vector with a wrong tag or AAD", () => {
    const badTag = Buffer.from(iv + ct + tag.replace(/^76/, "77"), "hex");
    expectUniformFailure(thrown(() => gcmDecrypt(key, aad, badTag)));
    expectUniformFailure(thrown(() => gcmDecrypt(key, aad.subarray(1), Buffer.from(iv + ct + tag, "hex"))));
  });

  it("opens the known-answer vector", () => {
    expect(gcmDecrypt(key, aad, Buffer.from(iv + ct + tag, "hex")).toString("hex")).toBe(pt);
  });

  it("lays out nonce, ciphertext, tag", () => {
    const sealed = gcmEncrypt(key, aad, Buffer.from(pt, "hex"));
    expect(sealed.length).toBe(12 + pt.length / 2 + 16);
    expect(gcmDecrypt(key, aad, sealed).toString("hex")).toBe(pt);
  });
});
