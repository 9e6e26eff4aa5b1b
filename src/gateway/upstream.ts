/**
 * The gateway's single outbound HTTP client: every call to a provider goes
 * through `UpstreamClient.send`, and nothing else in the gateway opens a
 * connection. The destination comes only from a configured deployment, the
 * egress allowlist is checked here on the call itself (host before the
 * request, every resolved address before the socket connects), redirects are
 * refused, and provider headers are built here from configuration alone.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { Deployment } from "./config.js";
import type { Cancel } from "./cancel.js";
import type { Egress } from "./egress.js";

/** One call to one deployment. */
export interface UpstreamCall {
  readonly deployment: Deployment;
  /** Appended to the deployment's base path, e.g. "/chat/completions". */
  readonly path: string;
  /** JSON text of the request body. */
  readonly body: string;
  readonly stream: boolean;
  /** The client's request headers: only the deployment's configured passHeaders are read from them. */
  readonly clientHeaders: IncomingHttpHeaders;
  readonly cancel: Cancel;
  /** Give up when no response head arrived within this many ms. */
  readonly firstByteMs: number;
}

/** Why a call produced no response. */
export type FailureKind = "egress_denied" | "connect" | "timeout" | "aborted" | "redirect";

/** A call that produced no usable response. */
export class UpstreamFailure extends Error {
  override readonly name = "UpstreamFailure";
  constructor(readonly kind: FailureKind) {
    super(`upstream ${kind}`);
  }
}

/** A response head; the body is still streaming. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: IncomingMessage;
}

/** Anthropic's stable API version; clients cannot choose another. */
const ANTHROPIC_VERSION = "2023-06-01";
/** A header value we copy: printable, no CR/LF (node rejects those anyway), bounded. */
const HEADER_VALUE = /^[\x20-\x7e]{1,1024}$/;

/**
 * The headers sent to `d`, as a flat [name, value, …] list: fixed ones, its
 * credential, and configured pass-through headers present on the request.
 * A list is written as it is; an object would be validated and copied header
 * by header first. With a list node adds no Host, so it is set here.
 */
export function upstreamHeaders(d: Deployment, client: IncomingHttpHeaders, stream: boolean, length: number): string[] {
  const defaultPort = d.protocol === "https:" ? 443 : 80;
  const host = d.hostname.includes(":") ? `[${d.hostname}]` : d.hostname;
  const h = ["host", d.port === defaultPort ? host : `${host}:${d.port}`, "content-type", "application/json", "accept", stream ? "text/event-stream" : "application/json", "content-length", String(length)];
  if (d.provider === "openai") h.push("authorization", `Bearer ${d.apiKey}`);
  else h.push("x-api-key", d.apiKey, "anthropic-version", ANTHROPIC_VERSION);
  for (const name of d.passHeaders) {
    const v = client[name];
    if (typeof v === "string" && HEADER_VALUE.test(v)) h.push(name, v);
  }
  return h;
}

/** Makes every upstream call, over keep-alive connections that are each checked against the allowlist. */
export class UpstreamClient {
  // No socket timeout on the agents: arming it costs a timer per call; providers close idle connections themselves.
  readonly #http = new HttpAgent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 256, scheduling: "lifo" });
  readonly #https = new HttpsAgent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 256, scheduling: "lifo" });

  /** Sends `call` under the allowlist `egress`; resolves with the response head, or rejects with an UpstreamFailure. */
  send(egress: Egress, call: UpstreamCall): Promise<UpstreamResponse> {
    const d = call.deployment;
    if (!egress.allowsHost(d.hostname) || (isIP(d.hostname) !== 0 && !egress.allowsAddress(d.hostname, d.hostname))) {
      egress.deny(d.hostname, d.id, "host not in the allowlist");
      return Promise.reject(new UpstreamFailure("egress_denied"));
    }
    if (call.cancel.cancelled) return Promise.reject(new UpstreamFailure("aborted"));
    return new Promise((resolve, reject) => {
      const options = {
        method: "POST",
        hostname: d.hostname,
        port: d.port,
        path: d.basePath + call.path,
        headers: upstreamHeaders(d, call.clientHeaders, call.stream, Buffer.byteLength(call.body)),
        lookup: egress.lookupFor(d.id),
        agent: d.protocol === "https:" ? this.#https : this.#http,
      };
      const req = d.protocol === "https:" ? httpsRequest({ ...options, servername: isIP(d.hostname) ? undefined : d.hostname }) : httpRequest(options);
      let settled = false;
      const onAbort = () => {
        if (!settled) fail("aborted");
        else req.destroy();
      };
      const fail = (kind: FailureKind) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.cancel.off(onAbort);
        req.destroy();
        reject(new UpstreamFailure(kind));
      };
      const timer = setTimeout(() => fail("timeout"), call.firstByteMs);
      call.cancel.on(onAbort);
      req.on("error", (e: NodeJS.ErrnoException) => fail(e.code === "EGRESS_DENIED" ? "egress_denied" : "connect"));
      req.on("close", () => fail("connect"));
      req.on("response", (res) => {
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        res.once("close", () => call.cancel.off(onAbort));
        const status = res.statusCode ?? 502;
        if (status >= 300 && status < 400) {
          // Never followed: a redirect would carry our credential to a host nobody configured.
          egress.deny(locationHost(res.headers.location), d.id, "redirect not followed");
          res.destroy();
          reject(new UpstreamFailure("redirect"));
          return;
        }
        resolve({ status, headers: res.headers, body: res });
      });
      req.end(call.body);
    });
  }

  /** Closes idle connections and refuses reuse of the rest (on shutdown or when the allowlist changes). */
  destroy(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

/** The host a redirect pointed at, for the denial record (never its path or query, which may carry anything). */
function locationHost(location: string | undefined): string {
  if (!location) return "(none)";
  try {
    return new URL(location, "http://relative.invalid").hostname.slice(0, 255) || "(none)";
  } catch {
    return "(unparseable)";
  }
}
