/** Picks the reader for a format, and guesses a format from a file name or content type. */
import type { CsvMapping } from "../domain/templates/template.js";
import { readCsv } from "./csv.js";
import { readJsonl } from "./jsonl.js";
import { readLabelStudio } from "./label-studio.js";
import type { ImportFormat, InputRecord } from "./records.js";

/** The records of `source` read as `format`. */
export function readRecords(format: ImportFormat, source: AsyncIterable<Uint8Array>, csv: CsvMapping): AsyncGenerator<InputRecord[]> {
  if (format === "csv") return readCsv(source, csv);
  if (format === "labelstudio") return readLabelStudio(source);
  return readJsonl(source);
}

/** The format a file name's extension implies, if any. */
export function formatFromFileName(name: string): ImportFormat | undefined {
  const lower = name.toLowerCase();
  if (/\.(jsonl|ndjson)$/.test(lower)) return "jsonl";
  if (/\.csv$/.test(lower)) return "csv";
  if (/\.json$/.test(lower)) return "labelstudio";
  return undefined;
}

/** The format a Content-Type names, if any. */
export function formatFromContentType(type: string | undefined): ImportFormat | undefined {
  const t = (type ?? "").split(";")[0]!.trim().toLowerCase();
  if (t === "application/x-ndjson" || t === "application/jsonl" || t === "application/x-jsonlines") return "jsonl";
  if (t === "text/csv") return "csv";
  if (t === "application/json") return "labelstudio";
  return undefined;
}
