/**
 * What the format readers yield: records numbered by the physical line they
 * start on, each either a parsed JSON value or the one problem that kept it
 * from parsing. Readers yield arrays (one per input chunk) so a million-line
 * file costs a few thousand async steps, not a million.
 */
import type { FieldIssue } from "../domain/errors.js";
import { SealroomError } from "../domain/errors.js";

/** One record read from a file: a parsed value, or the issue that kept it from parsing. */
export type InputRecord =
  | { readonly line: number; readonly raw: string; readonly value: unknown; readonly issue?: undefined }
  | { readonly line: number; readonly raw: string; readonly issue: FieldIssue };

/** The file formats import reads. */
export type ImportFormat = "jsonl" | "csv" | "labelstudio";
/** Every import format, for flag and query validation. */
export const IMPORT_FORMATS: readonly ImportFormat[] = ["jsonl", "csv", "labelstudio"];

/** The largest single record (line, CSV record, task) accepted, in bytes of UTF-8 (or UTF-16 units once decoded). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** The path used for problems that concern a whole line rather than a field. */
export const LINE_PATH = "(line)";

/** A problem with the file as a whole (it cannot be read on): aborts the import. */
export function fileError(line: number, message: string): SealroomError {
  return new SealroomError("validation_failed", `line ${line}: ${message}`, { errors: [{ line, path: LINE_PATH, message }] });
}

/**
 * JSON.parse's message without the excerpt of the input V8 appends
 * ('Unexpected token x, "…" is not valid JSON'): the excerpt is tenant data,
 * and this message may travel further than the line itself.
 */
export function jsonErrorMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : "invalid";
  return `not valid JSON (${message.replace(/, ".*" is not valid JSON$/s, "").slice(0, 200)})`;
}

/** Parses one JSON text into a record. */
export function parseJsonRecord(line: number, raw: string): InputRecord {
  try {
    return { line, raw, value: JSON.parse(raw) as unknown };
  } catch (e) {
    return { line, raw, issue: { path: LINE_PATH, message: jsonErrorMessage(e) } };
  }
}

/** Drops a leading UTF-8 byte order mark (spreadsheet exports often carry one). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A streaming UTF-8 decoder that names the line where the bytes stop being UTF-8. */
export function utf8Decoder(): { decode(chunk: Uint8Array, line: number): string; end(line: number): string } {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  return {
    decode(chunk, line) {
      try {
        return decoder.decode(chunk, { stream: true });
      } catch {
        throw fileError(line, "the file is not valid UTF-8 here");
      }
    },
    end(line) {
      try {
        return decoder.decode();
      } catch {
        throw fileError(line, "the file ends inside a UTF-8 character");
      }
    },
  };
}
