/**
 * Virtual-key authentication. A key arrives as `Authorization: Bearer …`
 * (OpenAI SDKs) or `x-api-key: …` (Anthropic SDKs); it is hashed and looked
 * up. Every path that does not end in a live key ends in 401: a missing,
 * malformed, unknown, revoked or expired key, or two different keys at once.
 * There is no anonymous caller and no default key.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { GatewayConfig, VirtualKey } from "./config.js";
import { GatewayError } from "./errors.js";

/** The shape of a virtual key's secret: prefix and base64url randomness. */
const KEY_SHAPE = /^sk-sr-[A-Za-z0-9_-]{16,200}$/;

const refuse = (why: string) => new GatewayError("unauthenticated", why);

/** The key the request presents, or 401. */
export function presentedKey(headers: IncomingHttpHeaders): string {
  const auth = headers.authorization;
  const apiKey = headers["x-api-key"];
  let bearer: string | undefined;
  if (auth !== undefined) {
    const m = /^Bearer +(\S+)$/i.exec(auth);
    if (!m) throw refuse("The Authorization header must be 'Bearer <virtual key>'.");
    bearer = m[1];
  }
  if (apiKey !== undefined && typeof apiKey !== "string") throw refuse("Send one x-api-key header.");
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) throw refuse("Two different keys were sent; send one.");
  const key = bearer ?? apiKey;
  if (key === undefined || key === "") throw refuse("Send a Sealroom virtual key (sk-sr-…) as a Bearer token or in x-api-key.");
  if (!KEY_SHAPE.test(key)) throw refuse("The virtual key is not valid.");
  return key;
}

/** Hex SHA-256 of a key's secret (what the configuration carries). */
export function keyHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** The live key the request presents, or 401. Checked on every request against the current configuration. */
export function authenticate(config: GatewayConfig, headers: IncomingHttpHeaders, now: number): VirtualKey {
  const key = config.keysByHash.get(keyHash(presentedKey(headers)));
  if (!key) throw refuse("The virtual key is not valid.");
  if (key.revoked) throw refuse("The virtual key has been revoked.");
  if (key.expiresAt !== null && now >= key.expiresAt) throw refuse("The virtual key has expired.");
  return key;
}
