/**
 * The control channel with the core: newline-delimited JSON on the child's
 * stdin (core → gateway: configuration, with provider keys) and stdout
 * (gateway → core: ready, acks, usage, egress denials, logs). Pipes
 * inherited from the parent are the whole channel: there is no control
 * socket another process could connect to.
 */
import type { Readable, Writable } from "node:stream";
import type { GatewayEvent } from "./events.js";

/** A configuration line for 100,000 keys is tens of MB; past this the line is refused. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;
/** Unsent output past which calls are refused (their usage could not reach the core). */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;

/** Calls `onLine` with every complete line of `input`; a line over the limit is reported with `onOversize` and skipped. */
export function readLines(input: Readable, onLine: (line: string) => void, onOversize: () => void): void {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  input.on("data", (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      if (!skipping) {
        parts.push(chunk.subarray(start, nl));
        const line = Buffer.concat(parts).toString("utf8");
        if (line.trim().length > 0) onLine(line);
      }
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
    if (start < chunk.length && !skipping) {
      size += chunk.length - start;
      if (size > MAX_LINE_BYTES) {
        parts = [];
        size = 0;
        skipping = true;
        onOversize();
      } else parts.push(chunk.subarray(start));
    }
  });
}

/**
 * Writes events as JSON lines. Lines of one turn of the event loop leave in
 * one write: under load that is one system call for many calls, not one each.
 */
export class EventWriter {
  #pending: string[] = [];
  #scheduled = false;

  constructor(private readonly out: Writable) {}

  /** Queues one event for this turn's write. */
  send(e: GatewayEvent): void {
    this.#pending.push(JSON.stringify(e));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued now (also called before exit). */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const text = `${this.#pending.join("\n")}\n`;
    this.#pending = [];
    this.out.write(text);
  }

  /** True when the core is not reading fast enough. */
  backlogged(): boolean {
    return this.out.writableLength > MAX_BACKLOG_BYTES;
  }
}
