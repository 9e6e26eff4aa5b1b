/**
 * Reads a JSON route's body with a byte limit, from Node's request stream
 * when the app runs under the Node server. Going through the web Request
 * instead (as Hono's body-limit middleware does, by touching `req.raw.body`)
 * makes the Node adapter build a full undici Request, its Headers, an
 * AbortController and a ReadableStream for every request: a quarter of a
 * millisecond of a claim's CPU. In-process requests (tests) carry a web
 * Request only, and are read from it with the same limit.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { SealroomError } from "../domain/errors.js";
import type { AppEnv } from "./route.js";

const tooLarge = (limit: number) => new SealroomError("payload_too_large", `The body is larger than the ${limit} bytes this server accepts.`);

function incomingOf(c: Context<AppEnv>): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/** Refuses a declared Content-Length over `limit` before anything else runs (every route but streaming ones). */
export function assertDeclaredLength(c: Context<AppEnv>, limit: number): void {
  const incoming = incomingOf(c);
  const header = incoming ? incoming.headers["content-length"] : c.req.header("content-length");
  if (header !== undefined && Number(header) > limit) throw tooLarge(limit);
}

/** The body as UTF-8 text, at most `limit` bytes (payload_too_large as soon as more arrive). */
export async function readBodyText(c: Context<AppEnv>, limit: number): Promise<string> {
  assertDeclaredLength(c, limit);
  const incoming = incomingOf(c);
  if (!incoming) {
    const bytes = Buffer.from(await c.req.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(limit);
    return bytes.toString("utf8");
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (e?: Error) => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
      if (e) reject(e);
      else resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        // Nothing more is kept: the rest of the body is read and dropped, so the connection stays usable.
        done(tooLarge(limit));
        incoming.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = () => done(new SealroomError("bad_request", "The request body could not be read."));
    const onClose = () => {
      if (!incoming.complete) done(new SealroomError("bad_request", "The connection closed before the body arrived."));
    };
    incoming.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}
