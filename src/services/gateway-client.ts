/**
 * The core calling its own gateway over HTTP, with a project's virtual key,
 * like any other client (so the call is authenticated, limited, metered and
 * audited by the gateway, and charged to the key's project). The gateway
 * listens on SEALROOM_GATEWAY_HOST (default: the core's host) at
 * SEALROOM_GATEWAY_PORT (started by `sealroom start`), or where it recorded
 * itself when that port is 0; one-shot CLI commands reach the running one the
 * same way.
 *
 * The key is only ever put in the Authorization header. Errors carry the
 * gateway's status and error code, never its message or the body: a
 * provider's 400 message may quote the request.
 */
import type { Config } from "../config/config.js";
import { SealroomError } from "../domain/errors.js";
import type { ChatMessage } from "../domain/work/assist-prompt.js";
import { recordedGatewayPort } from "./gateway-address.js";

/** Largest model response read (a drafted answer is far smaller). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** One model call may take this long, end to end (the gateway's own timeouts are usually shorter). */
const CALL_TIMEOUT_MS = 180_000;
const PROBE_TIMEOUT_MS = 3_000;
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * The base URL of the gateway this installation runs (loopback when the
 * gateway listens on every address); on a random port (0), the address the running
 * gateway recorded in the data folder (gateway-address.ts).
 */
export function gatewayBaseUrl(config: Pick<Config, "gatewayHost" | "gatewayPort" | "dataDir">): string {
  const port = config.gatewayPort === 0 ? recordedGatewayPort(config.dataDir) : config.gatewayPort;
  const host = config.gatewayHost === "0.0.0.0" ? "127.0.0.1" : config.gatewayHost === "::" ? "::1" : config.gatewayHost;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Throws conflict unless a gateway answers /healthz at `base`. */
export async function assertGatewayUp(base: string): Promise<void> {
  let ok = false;
  try {
    const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await r.body?.cancel();
    ok = r.status === 200;
  } catch {
    ok = false;
  }
  if (!ok) throw new SealroomError("conflict", `The gateway is not running at ${base}: start Sealroom with \`sealroom start\` (it starts the gateway), or set SEALROOM_GATEWAY_PORT to the port it uses.`);
}

/**
 * Waits until the gateway accepts `secret` (GET /v1/models answers 200): a
 * key made by another process reaches a running gateway with its next poll.
 */
export async function waitForKey(base: string, secret: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let status = 0;
    try {
      const r = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${secret}` }, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await r.body?.cancel();
      status = r.status;
    } catch {
      status = 0;
    }
    if (status === 200) return;
    if (status === 423) throw new SealroomError("paused", "The gateway refuses this project's calls: the tenant or project is paused.");
    if (Date.now() >= deadline) throw new SealroomError("conflict", `The gateway does not accept the project's assist key yet (status ${status || "unreachable"}); try again in a moment.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A model call's outcome: the reply's text and metering, or the gateway's status and error code. */
export type ChatResult =
  | { readonly ok: true; readonly content: string; readonly requestId: string | null; readonly promptTokens: number | null; readonly completionTokens: number | null }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly requestId: string | null };

/** Reads at most MAX_RESPONSE_BYTES of a body; null when it is longer. */
async function boundedText(r: Response): Promise<string | null> {
  if (!r.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = r.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const count = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null);
const field = (o: unknown, k: string): unknown => (typeof o === "object" && o !== null && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);

/** The gateway's error code from an OpenAI error body (only a plain identifier; anything else is "error"). */
function errorCode(text: string | null): string {
  try {
    const e = field(JSON.parse(text ?? ""), "error");
    const code = field(e, "code") ?? field(e, "type");
    return typeof code === "string" && ERROR_CODE.test(code) ? code : "error";
  } catch {
    return "error";
  }
}

/** One JSON-mode chat completion through the gateway as the key's project. */
export async function chatJson(base: string, secret: string, model: string, messages: readonly ChatMessage[]): Promise<ChatResult> {
  let r: Response;
  try {
    r = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages, response_format: { type: "json_object" }, temperature: 0 }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (e) {
    return { ok: false, status: 0, code: e instanceof Error && e.name === "TimeoutError" ? "timeout" : "unreachable", requestId: null };
  }
  const rid = r.headers.get("x-request-id");
  const requestId = rid !== null && REQUEST_ID.test(rid) ? rid : null;
  const text = await boundedText(r).catch(() => null);
  if (r.status !== 200) return { ok: false, status: r.status, code: errorCode(text), requestId };
  if (text === null) return { ok: false, status: r.status, code: "response_too_large", requestId };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: r.status, code: "malformed_response", requestId };
  }
  const choices = field(body, "choices");
  const content = field(field(Array.isArray(choices) ? choices[0] : undefined, "message"), "content");
  if (typeof content !== "string") return { ok: false, status: r.status, code: "no_content", requestId };
  const usage = field(body, "usage");
  return { ok: true, content, requestId, promptTokens: count(field(usage, "prompt_tokens")), completionTokens: count(field(usage, "completion_tokens")) };
}
