/**
 * Writing the chosen upstream response to the client. Streams go frame by
 * frame as they arrive (the SSE parser copes with frames cut across TCP
 * chunks), with backpressure: when the client reads slowly the upstream is
 * paused, so memory holds at most a few socket buffers. Upstream response
 * headers are not copied, except the request id, through an allowlist.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { errorEvent, GatewayError, type ErrorFormat } from "./errors.js";
import { SseParser } from "./sse.js";
import type { StreamRelay } from "./translate-stream.js";

/** Upstream headers a client may see, renamed so they cannot be mistaken for ours. */
const PASSED_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["x-request-id", "x-upstream-request-id"],
  ["request-id", "x-upstream-request-id"],
];
const SAFE_VALUE = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The allowlisted upstream headers, plus ours. */
export function responseHeaders(requestId: string, upstream: IncomingMessage | undefined, contentType: string): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { "content-type": contentType, "x-request-id": requestId };
  if (upstream) {
    for (const [from, to] of PASSED_HEADERS) {
      const v = upstream.headers[from];
      if (typeof v === "string" && SAFE_VALUE.test(v)) h[to] = v;
    }
  }
  return h;
}

/** How a relayed stream ended. */
export type StreamEnd = "complete" | "upstream_failed" | "client_gone";

/**
 * Relays an SSE response through `relay` until it ends; resolves with how.
 * A stream cut before its terminal event ends with an error event in the
 * client's format, so SDKs raise instead of returning a truncated answer.
 */
export function relayStream(res: ServerResponse, upstream: IncomingMessage, relay: StreamRelay, format: ErrorFormat, requestId: string): Promise<StreamEnd> {
  // The head leaves with the first frame (one packet, one system call), not on its own before it.
  res.writeHead(200, { ...responseHeaders(requestId, upstream, "text/event-stream; charset=utf-8"), "cache-control": "no-cache" });
  const parser = new SseParser();
  return new Promise((resolve) => {
    let ended = false;
    let waiting = false;
    const finish = (how: StreamEnd, tail: string) => {
      if (ended) return;
      ended = true;
      if (how !== "client_gone") res.end(tail);
      else upstream.destroy();
      resolve(how);
    };
    const cut = () => finish("upstream_failed", errorEvent(new GatewayError("upstream_error", "The provider's stream ended early."), format));
    upstream.on("data", (chunk: Buffer) => {
      if (ended) return;
      let out = "";
      try {
        for (const f of parser.push(chunk)) out += relay.frame(f);
      } catch {
        upstream.destroy();
        cut();
        return;
      }
      if (out.length > 0 && !res.write(out) && !waiting) {
        waiting = true;
        upstream.pause();
        res.once("drain", () => {
          waiting = false;
          upstream.resume();
        });
      }
    });
    upstream.on("end", () => {
      const tail = relay.finish();
      if (tail === undefined) cut();
      else finish(relay.failed ? "upstream_failed" : "complete", tail);
    });
    upstream.on("error", cut);
    upstream.on("close", () => {
      if (!upstream.complete) cut();
    });
    res.on("close", () => {
      if (!res.writableFinished) finish("client_gone", "");
    });
  });
}

/** Sends a whole JSON body. */
export function sendJson(res: ServerResponse, status: number, body: string | Buffer, headers: OutgoingHttpHeaders): void {
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
