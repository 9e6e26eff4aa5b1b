import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
} from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SealroomError } from "../../src/domain/errors.js";
import {
  LocalKek,
  kmsKek,
  loadOrCreateKeyFile,
  passphraseKek,
  readPassphraseFile,
  type ExternalKms,
} from "../../src/seal/kek.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sealroom-kek-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<SealroomError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SealroomError);
    return e as SealroomError;
  }
  throw new Error("expected a rejection, got none");
}

const label = "tenant:t1:v1";
const salt = Buffer.alloc(16, 7);
const passphrase = Buffer.from("correct horse battery staple");

describe("loadOrCreateKeyFile refuses unsafe key files", () => {
  it("refuses a key file other users can read (chmod 644), naming the fix", async () => {
    const path = join(dir, "master.key");
    await writeFile(path, randomBytes(32), { mode: 0o600 });
    await chmod(path, 0o644);
    const e = await rejection(loadOrCreateKeyFile(path));
    expect(e.code).toBe("key_file_insecure");
    expect(e.message).toContain(path);
    expect(e.message).toContain(`chmod 600 ${path}`);
  });

  it("refuses group-writable and group-readable modes too", async () => {
    const path = join(dir, "master.key");
    await writeFile(path, randomBytes(32), { mode: 0o600 });
    for (const mode of [0o640, 0o620, 0o604, 0o660]) {
      await chmod(path, mode);
      expect((await rejection(loadOrCreateKeyFile(path))).code).toBe("key_file_insecure");
    }
  });

  it.each([0, 31, 33, 64])("refuses a %i-byte key file", async (size) => {
    const path = join(dir, "master.key");
    await writeFile(path, randomBytes(size), { mode: 0o600 });
    await chmod(path, 0o600);
    expect((await rejection(loadOrCreateKeyFile(path))).code).toBe("config_invalid");
  });

  it("refuses a symlink, even to a good key file", async () => {
    const real = join(dir, "real.key");
    await writeFile(real, randomBytes(32), { mode: 0o600 });
    await chmod(real, 0o600);
    const link = join(dir, "link.key");
    await symlink(real, link);
    const e = await rejection(loadOrCreateKeyFile(link));
    expect(e.code).toBe("key_file_insecure");
    expect(e.message).toContain(link);
  });

  it("refuses a directory at the key path", async () => {
    expect((await rejection(loadOrCreateKeyFile(dir))).code).toBe("config_invalid");
  });
});

describe("loadOrCreateKeyFile creates and reloads the key", () => {
  it("creates a 32-byte file with mode 0600 in a new folder with mode 0700", async () => {
    const folder = join(dir, "keys");
    const path = join(folder, "master.key");
    const kek = await loadOrCreateKeyFile(path);
    const file = await stat(path);
    expect(file.mode & 0o777).toBe(0o600);
    expect(file.size).toBe(32);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect(kek.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it("loads the same key on the next start", async () => {
    const path = join(dir, "keys", "master.key");
    const first = await loadOrCreateKeyFile(path);
    const before = await readFile(path);
    const second = await loadOrCreateKeyFile(path);
    expect((await readFile(path)).equals(before)).toBe(true);
    expect(second.id).toBe(first.id);
    const dk = randomBytes(32);
    expect((await second.unwrap(await first.wrap(dk, label), label)).equals(dk)).toBe(true);
  });

  it("creates exactly one key when several starts race", async () => {
    const path = join(dir, "race", "master.key");
    const keks = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(path)));
    expect(new Set(keks.map((k) => k.id)).size).toBe(1);
  });

  it("does not expose the key bytes through the object", async () => {
    const path = join(dir, "master.key");
    const kek = await loadOrCreateKeyFile(path);
    const raw = await readFile(path);
    const shown = JSON.stringify(kek) + String(Object.values(kek));
    expect(shown).not.toContain(raw.toString("hex"));
    expect(shown).not.toContain(raw.toString("base64"));
    expect(Object.keys(kek)).toEqual(["id"]);
  });
});

describe("LocalKek wrap/unwrap", () => {
  const kek = LocalKek.fromBytes(randomBytes(32));
  const dk = randomBytes(32);

  it("a wrapped key under another label fails", async () => {
    const wrapped = await kek.wrap(dk, label);
    for (const other of ["tenant:t2:v1", "tenant:t1:v2", "tenant:t1:v1 "]) {
      const e = await rejection(kek.unwrap(wrapped, other));
      expect([e.code, e.message]).toEqual(["decryption_failed", "decryption failed"]);
    }
  });

  it("another KEK, a flipped byte or a truncation fails", async () => {
    const wrapped = await kek.wrap(dk, label);
    expect((await rejection(LocalKek.fromBytes(randomBytes(32)).unwrap(wrapped, label))).code).toBe(
      "decryption_failed",
    );
    for (let i = 0; i < wrapped.length; i++) {
      const bad = Buffer.from(wrapped);
      bad[i] = (bad[i] as number) ^ 0x10;
      expect((await rejection(kek.unwrap(bad, label))).code).toBe("decryption_failed");
    }
    for (let n = 0; n < wrapped.length; n++) {
      expect((await rejection(kek.unwrap(wrapped.subarray(0, n), label))).code).toBe("decryption_failed");
    }
  });

  it("refuses a master key that is not 32 bytes", () => {
    expect(() => LocalKek.fromBytes(randomBytes(16))).toThrow(SealroomError);
  });

  it("round-trips and gives the same id for the same key only", async () => {
    const raw = randomBytes(32);
    const a = LocalKek.fromBytes(raw);
    expect(LocalKek.fromBytes(raw).id).toBe(a.id);
    expect(LocalKek.fromBytes(randomBytes(32)).id).not.toBe(a.id);
    expect((await a.unwrap(await a.wrap(dk, label), label)).equals(dk)).toBe(true);
  });
});

describe("passphraseKek", () => {
  it("refuses a short passphrase, a short salt and a weak cost", async () => {
    expect((await rejection(passphraseKek(Buffer.from("short"), salt, { ln: 14 }))).code).toBe("config_invalid");
    expect((await rejection(passphraseKek(passphrase, Buffer.alloc(8), { ln: 14 }))).code).toBe("config_invalid");
    expect((await rejection(passphraseKek(passphrase, salt, { ln: 10 }))).code).toBe("config_invalid");
  });

  it("is different for another salt: its wraps do not unwrap", async () => {
    const a = await passphraseKek(passphrase, salt, { ln: 14 });
    const b = await passphraseKek(passphrase, Buffer.alloc(16, 8), { ln: 14 });
    expect(b.id).not.toBe(a.id);
    const wrapped = await a.wrap(randomBytes(32), label);
    expect((await rejection(b.unwrap(wrapped, label))).code).toBe("decryption_failed");
  });

  it("is deterministic for the same passphrase and salt", async () => {
    const a = await passphraseKek(passphrase, salt, { ln: 14 });
    const b = await passphraseKek(Buffer.from(passphrase), Buffer.from(salt), { ln: 14 });
    expect(b.id).toBe(a.id);
    const dk = randomBytes(32);
    expect((await b.unwrap(await a.wrap(dk, label), label)).equals(dk)).toBe(true);
  });

  it("defaults to ln=17, r=8, p=1 (and that fits in the memory cap)", async () => {
    const byDefault = await passphraseKek(passphrase, salt);
    const explicit = await passphraseKek(passphrase, salt, { ln: 17, r: 8, p: 1 });
    const weaker = await passphraseKek(passphrase, salt, { ln: 14 });
    expect(byDefault.id).toBe(explicit.id);
    expect(byDefault.id).not.toBe(weaker.id);
  });
});

describe("readPassphraseFile", () => {
  it("refuses a world-readable file, a symlink and a missing file", async () => {
    const path = join(dir, "pass");
    await writeFile(path, "secret passphrase\n", { mode: 0o600 });
    await chmod(path, 0o644);
    const e = await rejection(readPassphraseFile(path));
    expect(e.code).toBe("key_file_insecure");
    expect(e.message).toContain(`chmod 600 ${path}`);
    await chmod(path, 0o600);
    const link = join(dir, "pass-link");
    await symlink(path, link);
    expect((await rejection(readPassphraseFile(link))).code).toBe("key_file_insecure");
    expect((await rejection(readPassphraseFile(join(dir, "absent")))).code).toBe("config_invalid");
  });

  it("refuses an empty file and one holding only a newline", async () => {
    for (const body of ["", "\n"]) {
      const path = join(dir, `pass-${body.length}`);
      await writeFile(path, body, { mode: 0o600 });
      await chmod(path, 0o600);
      expect((await rejection(readPassphraseFile(path))).code).toBe("config_invalid");
    }
  });

  it.each([
    ["secret passphrase\n", "secret passphrase"],
    ["secret passphrase\r\n", "secret passphrase"],
    ["secret passphrase\n\n", "secret passphrase\n"],
    ["secret passphrase", "secret passphrase"],
    [" spaced passphrase ", " spaced passphrase "],
  ])("strips exactly one trailing newline from %j", async (body, expected) => {
    const path = join(dir, "pass");
    await writeFile(path, body, { mode: 0o600 });
    await chmod(path, 0o600);
    expect((await readPassphraseFile(path)).toString()).toBe(expected);
  });
});

/** An in-memory stand-in for a KMS: AES-256-GCM with the context as associated data. */
class FakeKms implements ExternalKms {
  readonly keyId = "arn:aws:kms:eu-west-1:111122223333:key/test";
  readonly #key = randomBytes(32);
  async encrypt(plaintext: Buffer, context: string): Promise<Buffer> {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.#key, iv).setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([iv, body, c.getAuthTag()]);
  }
  async decrypt(ciphertext: Buffer, context: string): Promise<Buffer> {
    try {
      const d = createDecipheriv("aes-256-gcm", this.#key, ciphertext.subarray(0, 12));
      d.setAAD(Buffer.from(context)).setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      return Buffer.concat([d.update(ciphertext.subarray(12, ciphertext.length - 16)), d.final()]);
    } catch {
      throw new SealroomError("decryption_failed", "decryption failed");
    }
  }
}

describe("kmsKek", () => {
  it("binds the label as the KMS context: another label fails", async () => {
    const kek = kmsKek(new FakeKms());
    const wrapped = await kek.wrap(randomBytes(32), label);
    expect((await rejection(kek.unwrap(wrapped, "tenant:t2:v1"))).code).toBe("decryption_failed");
  });

  it("refuses an empty label before calling the KMS", async () => {
    const kek = kmsKek(new FakeKms());
    expect((await rejection(kek.wrap(randomBytes(32), ""))).code).toBe("bad_request");
  });

  it("round-trips, with a stable id that does not reveal the key ARN", async () => {
    const kms = new FakeKms();
    const kek = kmsKek(kms);
    const dk = randomBytes(32);
    expect((await kek.unwrap(await kek.wrap(dk, label), label)).equals(dk)).toBe(true);
    expect(kek.id).toMatch(/^kms:[0-9a-f]{16}$/);
    expect(kmsKek(kms).id).toBe(kek.id);
    expect(kek.id).not.toContain("111122223333");
  });
});
