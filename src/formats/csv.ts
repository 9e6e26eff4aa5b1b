/**
 * CSV import: the first record is the header, each later record one item.
 * How cells become item fields (docs/IMPORT.md):
 * - a header names a field; a dotted header (`claim.text`) names a nested one;
 * - an empty cell leaves its field out (so optional fields may stay empty);
 * - the template's JSON columns (`sources`, `gold`, …) hold JSON text;
 * - its boolean columns hold true/false (also 1/0, yes/no), its integer
 *   columns an integer; every other cell is a string.
 */
import type { CsvMapping } from "../domain/templates/template.js";
import { CsvParser, type CsvRecord } from "./csv-parser.js";
import { LINE_PATH, fileError, jsonErrorMessage, stripBom, utf8Decoder, type InputRecord } from "./records.js";

/** Header segments that would reach an object's prototype if used as keys. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const MAX_COLUMNS = 1000;

/** Reads CSV from a byte stream, yielding the item records of each chunk. */
export async function* readCsv(source: AsyncIterable<Uint8Array>, mapping: CsvMapping): AsyncGenerator<InputRecord[]> {
  const parser = new CsvParser();
  const decoder = utf8Decoder();
  let header: Header | undefined;
  let line = 1;
  let first = true;
  const convert = (records: CsvRecord[]): InputRecord[] => {
    const out: InputRecord[] = [];
    for (const r of records) {
      line = r.line;
      if (r.error === undefined && r.fields.length === 1 && r.fields[0] === "") continue;
      if (header === undefined) header = parseHeader(r, mapping);
      else out.push(toRecord(r, header));
    }
    return out;
  };
  for await (const chunk of source) {
    let text = decoder.decode(chunk, line);
    if (first && text.length > 0) {
      text = stripBom(text);
      first = false;
    }
    const out = convert(parser.push(text));
    if (out.length) yield out;
  }
  const out = convert(parser.push(decoder.end(line)).concat(parser.end()));
  if (out.length) yield out;
  if (header === undefined) throw fileError(1, "the CSV file has no header row");
}

interface Column {
  readonly path: readonly string[];
  readonly name: string;
  readonly kind: "json" | "boolean" | "integer" | "string";
}
type Header = readonly Column[];

function parseHeader(r: CsvRecord, mapping: CsvMapping): Header {
  if (r.error !== undefined) throw fileError(r.line, `the header row ${r.error}`);
  if (r.fields.length > MAX_COLUMNS) throw fileError(r.line, `the header has more than ${MAX_COLUMNS} columns`);
  const seen = new Set<string>();
  return r.fields.map((raw) => {
    const name = raw.trim();
    const path = name.split(".");
    if (name === "" || path.some((p) => p === "" || FORBIDDEN_KEYS.has(p))) throw fileError(r.line, `the header has an unusable column name "${name.slice(0, 100)}"`);
    if (seen.has(name)) throw fileError(r.line, `the header names column "${name}" twice`);
    seen.add(name);
    const kind = mapping.json.includes(name) ? "json" : mapping.boolean.includes(name) ? "boolean" : mapping.integer.includes(name) ? "integer" : "string";
    return { path, name, kind };
  });
}

function toRecord(r: CsvRecord, header: Header): InputRecord {
  if (r.error !== undefined) return { line: r.line, raw: r.raw, issue: { path: LINE_PATH, message: r.error } };
  if (r.fields.length !== header.length) {
    return { line: r.line, raw: r.raw, issue: { path: LINE_PATH, message: `has ${r.fields.length} fields but the header has ${header.length}` } };
  }
  const item: Record<string, unknown> = {};
  for (let i = 0; i < header.length; i++) {
    const cell = r.fields[i]!;
    const column = header[i]!;
    if (cell === "") continue;
    const cellResult = cellValue(column, cell);
    if (!cellResult.ok) return { line: r.line, raw: r.raw, issue: { path: column.name, message: cellResult.problem } };
    if (!place(item, column.path, cellResult.value)) return { line: r.line, raw: r.raw, issue: { path: column.name, message: "conflicts with another column for the same field" } };
  }
  return { line: r.line, raw: r.raw, value: item };
}

type Cell = { ok: true; value: unknown } | { ok: false; problem: string };

function cellValue(column: Column, cell: string): Cell {
  switch (column.kind) {
    case "json":
      try {
        return { ok: true, value: JSON.parse(cell) as unknown };
      } catch (e) {
        return { ok: false, problem: `${jsonErrorMessage(e)}; this column holds JSON` };
      }
    case "boolean": {
      const v = cell.trim().toLowerCase();
      if (v === "true" || v === "1" || v === "yes") return { ok: true, value: true };
      if (v === "false" || v === "0" || v === "no") return { ok: true, value: false };
      return { ok: false, problem: "must be true or false" };
    }
    case "integer":
      return /^-?\d{1,15}$/.test(cell.trim()) ? { ok: true, value: Number(cell.trim()) } : { ok: false, problem: "must be an integer" };
    default:
      return { ok: true, value: cell };
  }
}

/** Sets item[path] = value, creating plain objects on the way; false on a clash. */
function place(item: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let target = item;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = Object.hasOwn(target, key) ? target[key] : (target[key] = {});
    if (typeof next !== "object" || next === null || Array.isArray(next)) return false;
    target = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (Object.hasOwn(target, last)) return false;
  target[last] = value;
  return true;
}
