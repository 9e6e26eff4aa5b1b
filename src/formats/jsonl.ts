/**
 * JSON Lines (https://jsonlines.org): one JSON value per line. Lines are cut
 * on the raw bytes, so a line that is not UTF-8 is reported on its own line
 * and the rest of the file still reads; blank lines are skipped but counted.
 */
import { isUtf8 } from "node:buffer";
import { LINE_PATH, MAX_RECORD_BYTES, parseJsonRecord, type InputRecord } from "./records.js";

const NEWLINE = 0x0a;

/** Reads JSONL from a byte stream, yielding the records of each chunk. */
export async function* readJsonl(source: AsyncIterable<Uint8Array>): AsyncGenerator<InputRecord[]> {
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  const finish = (last: Buffer): InputRecord | undefined => {
    line += 1;
    const parts = pending;
    const bytes = pendingBytes + last.length;
    pending = [];
    pendingBytes = 0;
    if (oversized || bytes > MAX_RECORD_BYTES) {
      oversized = false;
      return { line, raw: "", issue: { path: LINE_PATH, message: `is longer than ${MAX_RECORD_BYTES} bytes` } };
    }
    return record(line, parts.length === 0 ? last : Buffer.concat([...parts, last]));
  };
  for await (const chunk of source) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: InputRecord[] = [];
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      const r = finish(buf.subarray(start, nl));
      if (r) out.push(r);
      start = nl + 1;
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      pendingBytes += rest.length;
      // Keep at most the limit: past it the line is reported, not kept.
      if (pendingBytes > MAX_RECORD_BYTES) {
        oversized = true;
        pending = [];
      } else {
        pending.push(Buffer.from(rest));
      }
    }
    if (out.length) yield out;
  }
  if (pendingBytes > 0 || oversized) {
    const r = finish(Buffer.alloc(0));
    if (r) yield [r];
  }
}

/** One line's bytes as a record; undefined for a blank line. */
function record(line: number, bytes: Buffer): InputRecord | undefined {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end -= 1;
  let begin = 0;
  if (line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) begin = 3;
  const slice = bytes.subarray(begin, end);
  if (!isUtf8(slice)) return { line, raw: "", issue: { path: LINE_PATH, message: "is not valid UTF-8" } };
  const raw = slice.toString("utf8");
  if (raw.trim() === "") return undefined;
  return parseJsonRecord(line, raw);
}
