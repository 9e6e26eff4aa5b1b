/**
 * The master key (KEK) that wraps every tenant's data keys. It never sits in
 * the database and never in an environment variable: it comes from a key file
 * (0600, created here on first start), from a passphrase file run through
 * scrypt, or from an external KMS behind the small `ExternalKms` port.
 */
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import {
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  scrypt,
  type KeyObject,
} from "node:crypto";
import { SealroomError } from "../domain/errors.js";
import { decryptionFailed, gcmDecrypt, gcmEncrypt } from "./envelope.js";

/** Wraps and unwraps data keys; `label` is bound as associated data. */
export interface Kek {
  /** Non-secret fingerprint of the master key, stored beside each wrapped key. */
  readonly id: string;
  wrap(dataKey: Buffer, label: string): Promise<Buffer>;
  unwrap(wrapped: Buffer, label: string): Promise<Buffer>;
}

/**
 * An external key service (AWS KMS, Vault transit, ...) reduced to what we
 * need; docs/KEK.md shows how each maps onto it. `context` must be bound to
 * the ciphertext (encryption context / associated data / derivation context).
 * When a ciphertext or context does not authenticate, `decrypt` must throw
 * SealroomError("decryption_failed"); any other error is treated as an outage
 * and passed through unchanged.
 */
export interface ExternalKms {
  readonly keyId: string;
  encrypt(plaintext: Buffer, context: string): Promise<Buffer>;
  decrypt(ciphertext: Buffer, context: string): Promise<Buffer>;
}

export interface ScryptParams {
  /** log2 of the scrypt cost N; default 17 (N = 131072, 128 MiB with r = 8). */
  ln?: number;
  r?: number;
  p?: number;
}

const KEK_BYTES = 32;
const WRAP_FORMAT_V1 = 0x01;
const WRAP_AD_LABEL = Buffer.from("sealroom-kek-wrap/v1", "ascii");
const KEK_ID_INFO = "sealroom-kek-id";
const MAX_LABEL_BYTES = 1024;
const MAX_WRAPPED_SECRET_BYTES = 4096;
const MIN_SALT_BYTES = 16;
const MIN_PASSPHRASE_BYTES = 12;
const MAX_PASSPHRASE_FILE_BYTES = 4096;
// O_NOFOLLOW makes open() fail on a symlink swapped in after our lstat;
// O_NONBLOCK keeps a FIFO planted at the path from hanging the open.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** A KEK held in process memory as a KeyObject; the raw bytes are never exposed. */
export class LocalKek implements Kek {
  readonly id: string;
  readonly #key: KeyObject;

  /** Takes a 32-byte secret KeyObject. */
  constructor(key: KeyObject) {
    if (key.type !== "secret" || key.symmetricKeySize !== KEK_BYTES) {
      throw new SealroomError("config_invalid", "the master key must be 32 bytes");
    }
    this.#key = key;
    this.id = createHmac("sha256", key).update(KEK_ID_INFO).digest().subarray(0, 8).toString("hex");
  }

  /** Copies 32 raw bytes into a KeyObject; the caller should zero its own copy. */
  static fromBytes(raw: Uint8Array): LocalKek {
    if (raw.length !== KEK_BYTES) {
      throw new SealroomError("config_invalid", "the master key must be 32 bytes");
    }
    return new LocalKek(createSecretKey(Buffer.from(raw)));
  }

  /** AES-256-GCM wrap: [0x01][nonce][ciphertext][tag], label as associated data. */
  async wrap(dataKey: Buffer, label: string): Promise<Buffer> {
    if (dataKey.length === 0 || dataKey.length > MAX_WRAPPED_SECRET_BYTES) {
      throw new SealroomError("bad_request", "a wrapped secret must be 1 to 4096 bytes");
    }
    const sealed = gcmEncrypt(this.#key, wrapAssociatedData(label), dataKey);
    return Buffer.concat([Buffer.from([WRAP_FORMAT_V1]), sealed]);
  }

  /** Inverse of wrap; every failure is the uniform decryption_failed. */
  async unwrap(wrapped: Buffer, label: string): Promise<Buffer> {
    const ad = wrapAssociatedData(label);
    const bytes = Buffer.from(wrapped);
    if (bytes.length < 1 || bytes[0] !== WRAP_FORMAT_V1) throw decryptionFailed();
    return gcmDecrypt(this.#key, ad, bytes.subarray(1));
  }
}

/**
 * Loads the master key file, creating it (32 random bytes, mode 0600, parent
 * folder 0700) if it does not exist. Refuses a symlink, a file other users
 * can read or write, and a file that is not exactly 32 bytes.
 */
export async function loadOrCreateKeyFile(path: string): Promise<LocalKek> {
  requirePath(path);
  if (!(await pathExists(path))) {
    const created = await createKeyFile(path);
    if (created !== undefined) return created;
    // Another process created it between our lstat and open: load theirs.
  }
  const raw = await readSecretFile(path, "key file", (size) => {
    if (size !== KEK_BYTES) {
      throw new SealroomError(
        "config_invalid",
        `key file ${path} must hold exactly ${KEK_BYTES} bytes, found ${size}`,
      );
    }
  });
  try {
    return LocalKek.fromBytes(raw);
  } finally {
    raw.fill(0);
  }
}

/**
 * Derives the master key from a passphrase with scrypt (RFC 7914). The
 * passphrase is read from a file (readPassphraseFile) and never taken from
 * argv or the environment: both are visible to other processes (ps,
 * /proc/<pid>/environ) and inherited by children. `salt` must be at least 16
 * random bytes stored beside the database; the caller zeroes `passphrase`.
 */
export async function passphraseKek(
  passphrase: Buffer,
  salt: Buffer,
  params: ScryptParams = {},
): Promise<LocalKek> {
  const ln = params.ln ?? 17;
  const r = params.r ?? 8;
  const p = params.p ?? 1;
  checkInt("scrypt ln", ln, 14, 22);
  checkInt("scrypt r", r, 1, 32);
  checkInt("scrypt p", p, 1, 16);
  if (passphrase.length < MIN_PASSPHRASE_BYTES) {
    throw new SealroomError("config_invalid", `the passphrase must be at least ${MIN_PASSPHRASE_BYTES} bytes`);
  }
  if (salt.length < MIN_SALT_BYTES) {
    throw new SealroomError("config_invalid", `the scrypt salt must be at least ${MIN_SALT_BYTES} bytes`);
  }
  const N = 2 ** ln;
  // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default cap (32 MiB) is too small for ln ≥ 15.
  const maxmem = 128 * r * (N + p + 2) + 1024 * 1024;
  const derived = await new Promise<Buffer>((resolve, reject) => {
    scrypt(passphrase, salt, KEK_BYTES, { N, r, p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
  try {
    return LocalKek.fromBytes(derived);
  } finally {
    derived.fill(0);
  }
}

/**
 * Reads a passphrase file with the same checks as the key file (no symlink,
 * mode 0600 or stricter) and strips one trailing newline ("\n" or "\r\n").
 */
export async function readPassphraseFile(path: string): Promise<Buffer> {
  requirePath(path);
  if (!(await pathExists(path))) {
    throw new SealroomError("config_invalid", `passphrase file ${path} does not exist`);
  }
  const raw = await readSecretFile(path, "passphrase file", (size) => {
    if (size === 0 || size > MAX_PASSPHRASE_FILE_BYTES) {
      throw new SealroomError(
        "config_invalid",
        `passphrase file ${path} must hold 1 to ${MAX_PASSPHRASE_FILE_BYTES} bytes`,
      );
    }
  });
  let end = raw.length;
  if (raw[end - 1] === 0x0a) {
    end -= 1;
    if (raw[end - 1] === 0x0d) end -= 1;
  }
  const passphrase = Buffer.from(raw.subarray(0, end));
  raw.fill(0);
  if (passphrase.length === 0) {
    throw new SealroomError("config_invalid", `passphrase file ${path} is empty`);
  }
  return passphrase;
}

/** Adapts an external KMS to the Kek port; the label travels as the KMS context. */
export function kmsKek(kms: ExternalKms): Kek {
  // A fixed-length fingerprint of the KMS key id: stable across the KMS's own
  // rotations (same key id) and free of account numbers or ARNs.
  const id = `kms:${createHash("sha256").update(`sealroom-kms-key:${kms.keyId}`).digest("hex").slice(0, 16)}`;
  return {
    id,
    async wrap(dataKey, label) {
      checkLabel(label);
      return Buffer.from(await kms.encrypt(Buffer.from(dataKey), label));
    },
    async unwrap(wrapped, label) {
      checkLabel(label);
      return Buffer.from(await kms.decrypt(Buffer.from(wrapped), label));
    },
  };
}

function wrapAssociatedData(label: string): Buffer {
  const bytes = checkLabel(label);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([WRAP_AD_LABEL, length, bytes]);
}

function checkLabel(label: string): Buffer {
  const bytes = Buffer.from(label, "utf8");
  if (label.length === 0 || bytes.length > MAX_LABEL_BYTES || bytes.toString("utf8") !== label) {
    throw new SealroomError("bad_request", "a wrap label must be 1 to 1024 bytes of well-formed text");
  }
  return bytes;
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SealroomError("config_invalid", `${name} must be an integer from ${min} to ${max}`);
  }
}

function requirePath(path: string): void {
  if (typeof path !== "string" || path.length === 0) {
    throw new SealroomError("config_invalid", "a key file path is required");
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return false;
    throw e;
  }
}

/** Creates the key file with O_EXCL; undefined when someone else created it first. */
async function createKeyFile(path: string): Promise<LocalKek | undefined> {
  const dir = dirname(path);
  const made = await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; set it exactly on the folder we made.
  if (made !== undefined) await chmod(dir, 0o700);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
  } catch (e) {
    if (errnoCode(e) === "EEXIST") return undefined;
    throw e;
  }
  const raw = randomBytes(KEK_BYTES);
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(raw);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    // Never leave a half-written key behind; the next start would refuse it anyway.
    await unlink(path).catch(() => undefined);
    raw.fill(0);
    throw e;
  }
  try {
    return LocalKek.fromBytes(raw);
  } finally {
    raw.fill(0);
  }
}

/**
 * Reads a secret file after checking, on the opened descriptor, that it is a
 * regular file nobody but its owner can read or write. The path is checked
 * with lstat first so a symlink is refused with a clear message.
 */
async function readSecretFile(path: string, what: string, checkSize: (size: number) => void): Promise<Buffer> {
  const link = await lstat(path);
  if (link.isSymbolicLink()) throw symlinkRefused(path, what);
  if (!link.isFile()) throw new SealroomError("config_invalid", `${what} ${path} is not a regular file`);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | NOFOLLOW | NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === "ELOOP") throw symlinkRefused(path, what);
    throw e;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new SealroomError("config_invalid", `${what} ${path} is not a regular file`);
    if ((info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(3, "0");
      throw new SealroomError(
        "key_file_insecure",
        `${what} ${path} has mode ${mode}, so other users can read or change it; run: chmod 600 ${path}`,
      );
    }
    checkSize(info.size);
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buffer, 0, info.size, 0);
    if (bytesRead !== info.size) {
      buffer.fill(0);
      throw new SealroomError("config_invalid", `${what} ${path} changed while it was being read`);
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

function symlinkRefused(path: string, what: string): SealroomError {
  return new SealroomError(
    "key_file_insecure",
    `${what} ${path} is a symbolic link; point the configuration at the real file`,
  );
}

function errnoCode(e: unknown): string | undefined {
  if (typeof e === "object" && e !== null && "code" in e && typeof e.code === "string") return e.code;
  return undefined;
}
