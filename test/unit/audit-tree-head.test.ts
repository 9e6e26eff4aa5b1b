/**
 * Signed tree heads: the exact signed bytes (known answer), Ed25519 as RFC
 * 8032 specifies it (known answer from §7.1), and verification that refuses
 * every altered field, a wrong key and hostile input without throwing.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateSigningKey, keyIdOf, publicKeyFromPem, signTreeHead, treeHeadBytes, verifyTreeHead, type TreeHead } from "../../src/audit/tree-head.js";

// RFC 8032 §7.1, TEST 1.
const SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const EMPTY_SIG = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
const b64u = (hex: string) => Buffer.from(hex, "hex").toString("base64url");
const rfcPrivate = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: b64u(SECRET), x: b64u(PUBLIC) }, format: "jwk" });
const rfcPublic = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64u(PUBLIC) }, format: "jwk" });

// Root of the RFC 6962 test tree of 3 leaves.
const ROOT3 = Buffer.from("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77", "hex");
const HEAD: TreeHead = { size: 3, root: ROOT3, timestamp: 1_795_867_200_000 };

describe("tree head bytes", () => {
  it("are canonical JSON of {v, size, root, timestamp} (known answer)", () => {
    expect(treeHeadBytes(HEAD).toString("utf8")).toBe(`{"root":"${ROOT3.toString("hex")}","size":3,"timestamp":1795867200000,"v":1}`);
  });

  it("refuse malformed heads", () => {
    expect(() => treeHeadBytes({ ...HEAD, size: -1 })).toThrow(/size/);
    expect(() => treeHeadBytes({ ...HEAD, size: 1.5 })).toThrow(/size/);
    expect(() => treeHeadBytes({ ...HEAD, timestamp: Number.NaN })).toThrow(/timestamp/);
    expect(() => treeHeadBytes({ ...HEAD, root: ROOT3.subarray(1) })).toThrow(/32 bytes/);
  });
});

describe("Ed25519 (RFC 8032)", () => {
  it("node:crypto signs the RFC 8032 §7.1 TEST 1 vector exactly", () => {
    expect(sign(null, Buffer.alloc(0), rfcPrivate).toString("hex")).toBe(EMPTY_SIG);
  });

  it("head signatures are deterministic and verify under the public key", () => {
    const sig = signTreeHead(HEAD, rfcPrivate);
    expect(sig).toHaveLength(64);
    expect(signTreeHead(HEAD, rfcPrivate).equals(sig)).toBe(true);
    expect(verifyTreeHead(HEAD, sig, rfcPublic)).toBe(true);
  });

  it("any altered field, signature bit or key fails verification", () => {
    const sig = signTreeHead(HEAD, rfcPrivate);
    const flipped = Buffer.from(ROOT3);
    flipped[31] = flipped[31]! ^ 1;
    expect(verifyTreeHead({ ...HEAD, size: 4 }, sig, rfcPublic)).toBe(false);
    expect(verifyTreeHead({ ...HEAD, root: flipped }, sig, rfcPublic)).toBe(false);
    expect(verifyTreeHead({ ...HEAD, timestamp: HEAD.timestamp + 1 }, sig, rfcPublic)).toBe(false);
    const badSig = Buffer.from(sig);
    badSig[0] = badSig[0]! ^ 1;
    expect(verifyTreeHead(HEAD, badSig, rfcPublic)).toBe(false);
    expect(verifyTreeHead(HEAD, sig, generateKeyPairSync("ed25519").publicKey)).toBe(false);
  });

  it("verification never throws on hostile input", () => {
    const sig = signTreeHead(HEAD, rfcPrivate);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    expect(verifyTreeHead(HEAD, sig, rsa)).toBe(false);
    expect(verifyTreeHead(HEAD, sig.subarray(0, 63), rfcPublic)).toBe(false);
    expect(verifyTreeHead(HEAD, "not bytes" as unknown as Uint8Array, rfcPublic)).toBe(false);
    expect(verifyTreeHead({ ...HEAD, size: -5 }, sig, rfcPublic)).toBe(false);
    expect(verifyTreeHead({ ...HEAD, root: Buffer.alloc(3) }, sig, rfcPublic)).toBe(false);
  });

  it("signing refuses a key that is not Ed25519", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    expect(() => signTreeHead(HEAD, rsa)).toThrow(/Ed25519/);
  });
});

describe("signing keys", () => {
  it("a generated key's id is SHA-256 of its DER public key, and its PEMs round-trip", () => {
    const k = generateSigningKey();
    const pub = publicKeyFromPem(k.publicKeyPem);
    expect(k.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(keyIdOf(pub)).toBe(k.keyId);
    expect(verifyTreeHead(HEAD, signTreeHead(HEAD, createPrivateKey(k.privateKeyPem)), pub)).toBe(true);
  });

  it("publicKeyFromPem refuses garbage and non-Ed25519 keys", () => {
    expect(() => publicKeyFromPem("not a key")).toThrow(/PEM/);
    const rsaPem = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(() => publicKeyFromPem(rsaPem)).toThrow(/Ed25519/);
  });
});
