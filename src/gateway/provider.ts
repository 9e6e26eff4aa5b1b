/**
 * What each (client format, provider) pair needs: the upstream path, the
 * upstream body (passed through with the upstream model name, or
 * translated), and how a provider's refusal is told to the client without
 * echoing anything that could carry a secret.
 */
import type { IncomingMessage } from "node:http";
import { isObj, own, type Obj } from "./check.js";
import type { Deployment } from "./config.js";
import { GatewayError } from "./errors.js";
import { anthropicToOpenaiRequest, openaiToAnthropicRequest } from "./translate-request.js";

/** The three model APIs: OpenAI chat, Anthropic messages, OpenAI embeddings. */
export type CallKind = "chat" | "messages" | "embeddings";

/** Path under the deployment's base URL (OpenAI base URLs end in /v1, Anthropic's do not). */
export function upstreamPath(kind: CallKind, d: Deployment): string {
  if (d.provider === "anthropic") return "/v1/messages";
  return kind === "embeddings" ? "/embeddings" : "/chat/completions";
}

/** True when the call needs translation between formats. */
export function translates(kind: CallKind, d: Deployment): boolean {
  return (kind === "messages") !== (d.provider === "anthropic");
}

/** The body sent to `d` for a client body of `kind`. */
export function upstreamBody(kind: CallKind, body: Obj, d: Deployment, stream: boolean): string {
  let out: Obj;
  if (kind === "chat" && d.provider === "anthropic") out = openaiToAnthropicRequest(body, d.model);
  else if (kind === "messages" && d.provider === "openai") out = anthropicToOpenaiRequest(body, d.model);
  else {
    out = { ...body, model: d.model };
    // Usage is always asked for on OpenAI streams: it is how the call is metered.
    if (kind === "chat" && stream) out.stream_options = { ...(isObj(own(body, "stream_options")) ? (own(body, "stream_options") as Obj) : {}), include_usage: true };
  }
  // A string, not a Buffer: node writes a string body together with the request head in one write.
  return JSON.stringify(out);
}

/**
 * Collects a message body of at most `limit` bytes; past it the stream is
 * destroyed and `tooLarge()` is the error. Plain listeners, not an async
 * iterator: this runs twice per call and iterators cost several times more.
 */
export function collect(stream: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.off("data", onData);
        stream.destroy();
        reject(tooLarge());
      } else chunks.push(chunk);
    };
    stream.on("data", onData);
    stream.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    stream.on("error", () => reject(new GatewayError("upstream_error", "The connection failed while reading a body.")));
    stream.on("close", () => {
      if (!stream.complete) reject(new GatewayError("upstream_error", "The connection closed while reading a body."));
    });
  });
}

/** Reads at most `limit` bytes of a response body. */
export function readLimited(res: IncomingMessage, limit: number): Promise<Buffer> {
  return collect(res, limit, () => new GatewayError("upstream_error", "The provider's answer was larger than the gateway accepts."));
}

/** Long opaque tokens in provider messages are replaced: a provider may quote a credential back. */
const SECRET_LIKE = /\b(?:sk|key|token|secret|bearer)[-_][A-Za-z0-9_\-*.]{6,}|[A-Za-z0-9_\-+/=]{24,}/gi;

/** A provider's error message, safe to show: the deployment key and anything token-like removed, bounded. */
export function scrub(message: string, d: Deployment): string {
  return message.split(d.apiKey).join("[redacted]").replace(SECRET_LIKE, "[redacted]").slice(0, 500);
}

function upstreamMessage(raw: Buffer): string | undefined {
  try {
    const v: unknown = JSON.parse(raw.toString("utf8"));
    const err = isObj(v) ? own(v, "error") : undefined;
    const m = isObj(err) ? own(err, "message") : undefined;
    return typeof m === "string" ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The client's error for a provider's 4xx (429 is handled by dispatch). */
export async function upstreamRefusal(res: IncomingMessage, status: number, d: Deployment): Promise<GatewayError> {
  const raw = await readLimited(res, 65_536).catch(() => Buffer.alloc(0));
  if (status === 401 || status === 403) return new GatewayError("upstream_error", "The provider refused the gateway's credentials for this deployment.");
  if (status === 413) return new GatewayError("payload_too_large", "The provider refused the request as too large.");
  const m = upstreamMessage(raw);
  return new GatewayError("bad_request", m ? `The provider refused the request: ${scrub(m, d)}` : "The provider refused the request.");
}
