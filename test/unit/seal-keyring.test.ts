import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import { readKeyVersion, type SealContext } from "../../src/seal/envelope.js";
import { LocalKek } from "../../src/seal/kek.js";
import { Keyring, Sealer, dataKeyLabel } from "../../src/seal/keyring.js";
import { MemoryDataKeyStore } from "../../src/seal/memory-store.js";

const at = (tenantId: string, rowId = "r1"): SealContext => ({ tenantId, table: "items", rowId, field: "payload" });
const newKek = (): LocalKek => LocalKek.fromBytes(randomBytes(32));

function setup(kek = newKek(), store = new MemoryDataKeyStore(), now?: () => number) {
  const keyring = new Keyring(kek, store, now);
  return { kek, store, keyring, sealer: new Sealer(keyring) };
}

async function rejection(p: Promise<unknown>): Promise<SealroomError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SealroomError);
    return e as SealroomError;
  }
  throw new Error("expected a rejection, got none");
}

const SHREDDED = "this tenant's data keys were destroyed; its sealed data cannot be read";

describe("shred", () => {
  it("makes tenant A unreadable (shredded) while tenant B still opens", async () => {
    const { keyring, sealer, store } = setup();
    const a = await sealer.seal(at("A"), "alpha");
    const b = await sealer.seal(at("B"), "beta");
    await keyring.shred("A");

    const e = await rejection(sealer.open(at("A"), a));
    expect([e.code, e.message]).toEqual(["shredded", SHREDDED]);
    expect((await rejection(sealer.seal(at("A"), "again"))).code).toBe("shredded");
    expect((await rejection(keyring.current("A"))).code).toBe("shredded");
    expect((await rejection(keyring.byVersion("A", 1))).code).toBe("shredded");
    expect((await rejection(keyring.rotate("A"))).code).toBe("shredded");
    expect(await store.list("A")).toEqual([]);

    expect(await sealer.openText(at("B"), b)).toBe("beta");
  });

  it("is seen by another keyring over the same store (another process)", async () => {
    const { kek, store, sealer } = setup();
    const a = await sealer.seal(at("A"), "alpha");
    await new Keyring(kek, store).shred("A");
    const fresh = new Sealer(new Keyring(kek, store));
    expect((await rejection(fresh.open(at("A"), a))).code).toBe("shredded");
  });

  it("reaches a keyring that cached the keys once the cache expires", async () => {
    let clock = 1_000_000;
    const { kek, store, sealer } = setup(newKek(), new MemoryDataKeyStore(), () => clock);
    const a = await sealer.seal(at("A"), "alpha");
    await new Keyring(kek, store).shred("A");
    clock += 61_000;
    expect((await rejection(sealer.open(at("A"), a))).code).toBe("shredded");
  });
});

describe("Sealer refuses what it should not open", () => {
  it("a ciphertext moved to another tenant fails with decryption_failed", async () => {
    const { sealer } = setup();
    const blob = await sealer.seal(at("A"), "alpha");
    await sealer.seal(at("B"), "beta"); // B has its own version 1
    const e = await rejection(sealer.open(at("B"), blob));
    expect([e.code, e.message]).toEqual(["decryption_failed", "decryption failed"]);
  });

  it("a ciphertext moved to another row fails with decryption_failed", async () => {
    const { sealer } = setup();
    const blob = await sealer.seal(at("A", "r1"), "alpha");
    expect((await rejection(sealer.open(at("A", "r2"), blob))).code).toBe("decryption_failed");
  });

  it("a blob naming a version that does not exist fails like any other bad blob", async () => {
    const { sealer } = setup();
    const blob = await sealer.seal(at("A"), "alpha");
    const forged = Buffer.from(blob);
    forged.writeUInt32BE(9, 1);
    const e = await rejection(sealer.open(at("A"), forged));
    expect([e.code, e.message]).toEqual(["decryption_failed", "decryption failed"]);
    expect((await rejection(sealer.open(at("A"), Buffer.alloc(3)))).code).toBe("decryption_failed");
  });

  it("a wrapped data key moved to another tenant in storage does not unwrap", async () => {
    const { kek, store, sealer } = setup();
    await sealer.seal(at("A"), "alpha");
    const b = await sealer.seal(at("B"), "beta");
    const [rowA] = await store.list("A");
    await store.updateWrapped("B", 1, rowA!.wrapped, kek.id);
    const fresh = new Sealer(new Keyring(kek, store));
    expect((await rejection(fresh.open(at("B"), b))).code).toBe("decryption_failed");
  });

  it("openText refuses a value sealed as non-UTF-8 bytes", async () => {
    const { sealer } = setup();
    const blob = await sealer.seal(at("A"), Buffer.from([0xff, 0xfe]));
    expect((await rejection(sealer.openText(at("A"), blob))).code).toBe("bad_request");
  });
});

describe("Keyring versions", () => {
  it("concurrent first current() calls create exactly one version", async () => {
    const { keyring, store } = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => keyring.current("A")));
    expect((await store.list("A")).map((r) => r.version)).toEqual([1]);
    expect(new Set(results.map((r) => r.version))).toEqual(new Set([1]));
    expect(results.every((r) => r.key.equals(results[0]!.key))).toBe(true);
  });

  it("concurrent seals for a new tenant all open", async () => {
    const { sealer, store } = setup();
    const blobs = await Promise.all(Array.from({ length: 10 }, (_, i) => sealer.seal(at("A", `r${i}`), `v${i}`)));
    expect((await store.list("A")).length).toBe(1);
    for (const [i, blob] of blobs.entries()) expect(await sealer.openText(at("A", `r${i}`), blob)).toBe(`v${i}`);
  });

  it("stores only wrapped keys, under the keyring's KEK, with the clock's time", async () => {
    const { keyring, store, kek } = setup(newKek(), new MemoryDataKeyStore(), () => 1234);
    const { key } = await keyring.current("A");
    const [row] = await store.list("A");
    expect(row).toMatchObject({ tenantId: "A", version: 1, kekId: kek.id, status: "active", createdAt: 1234 });
    expect(row!.wrapped.includes(key.export())).toBe(false);
    expect((await kek.unwrap(row!.wrapped, dataKeyLabel("A", 1))).equals(key.export())).toBe(true);
  });

  it("rotation keeps old blobs readable and new blobs use the new version", async () => {
    const { keyring, sealer } = setup();
    const old = await sealer.seal(at("A"), "old");
    expect(readKeyVersion(old)).toBe(1);
    expect(await keyring.rotate("A")).toBe(2);
    const fresh = await sealer.seal(at("A"), "new");
    expect(readKeyVersion(fresh)).toBe(2);
    expect((await keyring.current("A")).version).toBe(2);
    expect(await sealer.openText(at("A"), old)).toBe("old");
    expect(await sealer.openText(at("A"), fresh)).toBe("new");
    expect(await keyring.rotate("A")).toBe(3);
  });

  it("a rotation by another keyring is picked up when a blob names the new version", async () => {
    const { kek, store, sealer } = setup();
    await sealer.seal(at("A"), "warm the cache");
    const other = new Sealer(new Keyring(kek, store));
    await new Keyring(kek, store).rotate("A");
    const blob = await other.seal(at("A"), "v2");
    expect(readKeyVersion(blob)).toBe(2);
    expect(await sealer.openText(at("A"), blob)).toBe("v2");
  });

  it("retire stops sealing with a version but still opens it", async () => {
    const { keyring, sealer, store } = setup();
    await keyring.current("A");
    await keyring.rotate("A");
    const v2 = await sealer.seal(at("A"), "two");
    await keyring.retire("A", 2);
    expect((await keyring.current("A")).version).toBe(1);
    expect(await sealer.openText(at("A"), v2)).toBe("two");
    expect((await store.list("A")).map((r) => r.status)).toEqual(["active", "retired"]);
    await keyring.retire("A", 1);
    // No active version left: the next seal gets a new one.
    expect((await keyring.current("A")).version).toBe(3);
    expect((await rejection(keyring.retire("A", 9))).code).toBe("bad_request");
  });
});

describe("rewrapAll", () => {
  it("keeps everything readable, switches KEK, and the old KEK can no longer unwrap", async () => {
    const oldKek = newKek();
    const { keyring, sealer, store } = setup(oldKek);
    const blobs = new Map<string, Buffer>();
    for (const t of ["A", "B", "C"]) blobs.set(t, await sealer.seal(at(t), `${t}1`));
    await keyring.rotate("B");
    blobs.set("B2", await sealer.seal(at("B", "r2"), "B2"));
    await keyring.shred("C");
    const before = await store.listAll();

    const newer = newKek();
    expect(await keyring.rewrapAll(newer)).toBe(3); // A v1, B v1, B v2; C was shredded

    const after = await store.listAll();
    expect(after.every((r) => r.kekId === newer.id)).toBe(true);
    for (const row of before) {
      const e = await rejection(oldKek.unwrap(
        after.find((r) => r.tenantId === row.tenantId && r.version === row.version)!.wrapped,
        dataKeyLabel(row.tenantId, row.version),
      ));
      expect(e.code).toBe("decryption_failed");
    }
    // This keyring, and a new one built on the new KEK, open everything.
    for (const s of [sealer, new Sealer(new Keyring(newer, store))]) {
      expect(await s.openText(at("A"), blobs.get("A")!)).toBe("A1");
      expect(await s.openText(at("B"), blobs.get("B")!)).toBe("B1");
      expect(await s.openText(at("B", "r2"), blobs.get("B2")!)).toBe("B2");
    }
    // A keyring still configured with the old KEK is told so.
    const stale = await rejection(new Sealer(new Keyring(oldKek, store)).open(at("A"), blobs.get("A")!));
    expect(stale.code).toBe("config_invalid");
    expect(stale.message).toContain(newer.id);
    // New keys are wrapped under the new KEK.
    await keyring.current("D");
    expect((await store.list("D"))[0]!.kekId).toBe(newer.id);
  });

  it("afterwards forgets the old KEK: a key still wrapped under it is refused", async () => {
    const oldKek = newKek();
    const { keyring, store } = setup(oldKek);
    await keyring.current("A");
    await keyring.rewrapAll(newKek());
    // Another process, still on the old KEK, creates a key for a new tenant.
    await new Keyring(oldKek, store).current("E");
    expect((await rejection(keyring.byVersion("E", 1))).code).toBe("config_invalid");
  });

  it("can be repeated after it already ran, rewrapping nothing", async () => {
    const { keyring, sealer } = setup();
    await sealer.seal(at("A"), "x");
    const newer = newKek();
    expect(await keyring.rewrapAll(newer)).toBe(1);
    expect(await keyring.rewrapAll(newer)).toBe(0);
  });
});

describe("MemoryDataKeyStore", () => {
  it("refuses a duplicate version and inserts after shred", async () => {
    const store = new MemoryDataKeyStore();
    const row = { tenantId: "A", version: 1, wrapped: Buffer.alloc(4), kekId: "k", status: "active" as const, createdAt: 0 };
    await store.insert(row);
    expect((await rejection(store.insert(row))).code).toBe("conflict");
    await store.shred("A");
    expect((await rejection(store.insert(row))).code).toBe("shredded");
    expect(await store.isShredded("A")).toBe(true);
    expect(await store.isShredded("B")).toBe(false);
  });

  it("hands out copies, so callers cannot change stored keys", async () => {
    const store = new MemoryDataKeyStore();
    await store.insert({ tenantId: "A", version: 1, wrapped: Buffer.alloc(4), kekId: "k", status: "active", createdAt: 0 });
    const [row] = await store.list("A");
    row!.wrapped.fill(9);
    row!.status = "retired";
    expect(await store.list("A")).toEqual([
      { tenantId: "A", version: 1, wrapped: Buffer.alloc(4), kekId: "k", status: "active", createdAt: 0 },
    ]);
  });
});
