/**
 * An RFC 4180 CSV parser that works on a stream of text: fields separated by
 * commas, records by CRLF or LF, fields in double quotes may hold commas,
 * quotes (doubled) and line breaks. A record is only cut once it is complete,
 * so a quoted line break never splits one; each record knows the physical
 * line it started on. Lenient in one way RFC 4180 is not: a quote inside an
 * unquoted field is kept as a character.
 */
import { MAX_RECORD_BYTES, fileError } from "./records.js";

/** One CSV record: its fields, or why it could not be read. */
export interface CsvRecord {
  readonly line: number;
  readonly raw: string;
  readonly fields: readonly string[];
  readonly error?: string;
}

const UNQUOTED_END = /[,\r\n]/g;

type Step = { record: CsvRecord; next: number } | "incomplete";

/** Feeds text in, takes complete records out. */
export class CsvParser {
  #carry = "";
  #line = 1;

  /** Adds decoded text; returns the records it completed. */
  push(text: string): CsvRecord[] {
    this.#carry += text;
    return this.#drain(false);
  }

  /** Ends the input; returns the last record, if any. */
  end(): CsvRecord[] {
    return this.#drain(true);
  }

  #drain(eof: boolean): CsvRecord[] {
    const text = this.#carry;
    const out: CsvRecord[] = [];
    let pos = 0;
    while (pos < text.length) {
      const step = parseRecord(text, pos, eof, this.#line);
      if (step === "incomplete") break;
      out.push(step.record);
      this.#line += countNewlines(text, pos, step.next);
      pos = step.next;
    }
    this.#carry = text.slice(pos);
    if (this.#carry.length > MAX_RECORD_BYTES) throw fileError(this.#line, `a CSV record is longer than ${MAX_RECORD_BYTES} characters`);
    return out;
  }
}

/** Parses the record starting at `pos`; "incomplete" when the text ends before it does (and more may come). */
function parseRecord(text: string, pos: number, eof: boolean, line: number): Step {
  const fields: string[] = [];
  let i = pos;
  for (;;) {
    let value: string;
    if (text.charCodeAt(i) === 0x22) {
      const quoted = readQuoted(text, i + 1, eof);
      if (quoted === "incomplete") return "incomplete";
      if (quoted === "unterminated") return { record: { line, raw: text.slice(pos), fields, error: "has a quoted field that is never closed" }, next: text.length };
      value = quoted.value;
      i = quoted.next;
      const c = text.charCodeAt(i);
      if (i < text.length && c !== 0x2c && c !== 0x0d && c !== 0x0a) {
        const end = lineEnd(text, i);
        if (end === -1 && !eof) return "incomplete";
        const stop = end === -1 ? text.length : end;
        return { record: { line, raw: text.slice(pos, stop), fields, error: "has a character after a closing quote (quote the whole field)" }, next: skipNewline(text, stop) };
      }
    } else {
      UNQUOTED_END.lastIndex = i;
      const m = UNQUOTED_END.exec(text);
      const end = m ? m.index : text.length;
      value = text.slice(i, end);
      i = end;
    }
    fields.push(value);
    if (i >= text.length) {
      if (!eof) return "incomplete";
      return { record: { line, raw: text.slice(pos), fields }, next: text.length };
    }
    const c = text.charCodeAt(i);
    if (c === 0x2c) {
      i += 1;
      continue;
    }
    // A CR at the very end may be the first half of a CRLF still to come.
    if (c === 0x0d && i + 1 >= text.length && !eof) return "incomplete";
    return { record: { line, raw: text.slice(pos, i), fields }, next: skipNewline(text, i) };
  }
}

/** Reads a quoted field's content from just after its opening quote. */
function readQuoted(text: string, from: number, eof: boolean): { value: string; next: number } | "incomplete" | "unterminated" {
  let value = "";
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q === -1) return eof ? "unterminated" : "incomplete";
    value += text.slice(i, q);
    if (q + 1 >= text.length && !eof) return "incomplete";
    if (text.charCodeAt(q + 1) === 0x22) {
      value += '"';
      i = q + 2;
      continue;
    }
    return { value, next: q + 1 };
  }
}

function lineEnd(text: string, from: number): number {
  const n = text.indexOf("\n", from);
  return n === -1 ? -1 : n > from && text.charCodeAt(n - 1) === 0x0d ? n - 1 : n;
}

/** Index after the CRLF, LF or lone CR at `i` (or `i` when there is none). */
function skipNewline(text: string, i: number): number {
  if (text.charCodeAt(i) === 0x0d) return text.charCodeAt(i + 1) === 0x0a ? i + 2 : i + 1;
  if (text.charCodeAt(i) === 0x0a) return i + 1;
  return i;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
