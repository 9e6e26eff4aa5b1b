/**
 * Server-sent events (WHATWG HTML §9.2, "event stream interpretation"):
 * an incremental parser that accepts bytes cut anywhere (inside a UTF-8
 * sequence, a CRLF pair, a field name, a frame) and yields whole frames,
 * plus the writers for frames we produce.
 */
import { StringDecoder } from "node:string_decoder";

/** One dispatched event: its type (empty when the stream named none) and its data lines joined by \n. */
export interface SseFrame {
  readonly event: string;
  readonly data: string;
  /** The frame as received (normalised to \n line ends), without its terminating blank line. */
  readonly raw: string;
}

/** Largest frame accepted: a provider event is kilobytes; anything this big is an attack or a bug. */
const MAX_FRAME_CHARS = 16 * 1024 * 1024;

/** Splits an event stream into frames as bytes arrive. */
export class SseParser {
  readonly #decoder = new StringDecoder("utf8");
  #buf = "";
  /** The previous chunk ended in CR: a LF opening the next one belongs to that line end. */
  #cr = false;

  /** Feeds a chunk; returns the frames it completed (possibly none). Throws when a frame grows too large. */
  push(chunk: Buffer): SseFrame[] {
    let text = this.#decoder.write(chunk);
    if (this.#cr && text.length > 0) {
      if (text.charCodeAt(0) === 10) text = text.slice(1);
      this.#cr = false;
    }
    if (text.includes("\r")) {
      this.#cr = text.endsWith("\r");
      text = text.replace(/\r\n?/g, "\n");
    }
    this.#buf = this.#buf.length === 0 ? text : this.#buf + text;
    const frames: SseFrame[] = [];
    let start = 0;
    for (;;) {
      const end = this.#buf.indexOf("\n\n", start);
      if (end < 0) break;
      const frame = parseFrame(this.#buf.slice(start, end));
      if (frame) frames.push(frame);
      start = end + 2;
    }
    if (start > 0) this.#buf = this.#buf.slice(start);
    if (this.#buf.length > MAX_FRAME_CHARS) throw new Error("server-sent event frame too large");
    return frames;
  }

  /** True when bytes of an unfinished frame are left over (the stream was cut mid-frame). */
  get pending(): boolean {
    return this.#buf.trim().length > 0;
  }
}

/** Parses the lines of one frame; undefined when it dispatches nothing (comments, keep-alives). */
export function parseFrame(raw: string): SseFrame | undefined {
  // The common frame, one `data: …` line, without splitting (most frames of an OpenAI stream).
  if (raw.startsWith("data: ") && !raw.includes("\n")) return { event: "", data: raw.slice(6), raw };
  let event = "";
  let data: string | undefined;
  for (const line of raw.split("\n")) {
    if (line.length === 0 || line.charCodeAt(0) === 58 /* ':' comment */) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data = data === undefined ? value : `${data}\n${value}`;
  }
  return data === undefined ? undefined : { event, data, raw };
}

/** A `data:` frame (OpenAI streams carry no event names). */
export function dataFrame(json: string): string {
  return `data: ${json}\n\n`;
}

/** A named event frame (Anthropic streams). */
export function eventFrame(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}
