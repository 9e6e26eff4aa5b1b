/**
 * A request body read as a stream with a byte limit: refused at once when
 * Content-Length already says it is too large, and cut off with
 * payload_too_large as soon as more bytes than the limit arrive (a chunked
 * upload has no length to check up front). Nothing is buffered here.
 */
import type { Context } from "hono";
import { SealroomError } from "../domain/errors.js";
import type { AppEnv } from "./route.js";

/** The body of `c` as chunks, at most `limit` bytes in all. */
export function streamedBody(c: Context<AppEnv>, limit: number): AsyncIterable<Uint8Array> {
  const tooLarge = () => new SealroomError("payload_too_large", `The file is larger than the ${limit} bytes this server accepts for imports (SEALROOM_IMPORT_LIMIT_BYTES).`);
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const body = c.req.raw.body;
  return {
    async *[Symbol.asyncIterator]() {
      if (!body) return;
      let seen = 0;
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          seen += value.byteLength;
          if (seen > limit) throw tooLarge();
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}
