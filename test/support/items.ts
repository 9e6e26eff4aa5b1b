/** Valid items of each template for tests, and files of them in each import format. */
import { createHash } from "node:crypto";

const sha = (text: string) => `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;

/** A valid verification-item/v0.1 with one source whose snapshot text is `text`. */
export function claimItem(id: string, text = `The sky over ${id} is blue.`, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const snapshot = `Observers reported that the sky over ${id} was blue at noon. ${text}`;
  return {
    schema: "verification-item/v0.1",
    item_id: id,
    claim: { text, language: "en", claim_date: null, speaker: null, context: null },
    question: null,
    sources: [
      {
        source_id: "S1",
        url: "https://example.org/report",
        final_url: null,
        archive_url: null,
        title: "Report",
        publisher: "Example",
        published_at: null,
        retrieved_at: null,
        retrieval: { method: "DATASET_IMPORT", query: null, rank: null },
        snapshot: { text: snapshot, content_hash: sha(snapshot), char_count: Array.from(snapshot).length, offset_unit: "unicode_code_point", is_excerpt: true, sentences: [[0, Array.from(snapshot).length]] },
        license: "CC-BY-SA-3.0",
      },
    ],
    synthetic: true,
    ...extra,
  };
}

/** JSONL text of `items`. */
export function jsonl(items: readonly unknown[]): string {
  return items.map((i) => JSON.stringify(i)).join("\n") + "\n";
}

/** Label Studio task JSON of `items` (each the `data` of one task), pretty-printed over many lines. */
export function labelStudio(items: readonly unknown[]): string {
  return JSON.stringify(items.map((data, i) => ({ id: i + 1, data, annotations: [], predictions: [] })), null, 2);
}

/** One RFC 4180 field. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV of claim items: scalar fields as columns (claim.text dotted), sources as a JSON column. */
export function claimCsv(items: ReadonlyArray<Record<string, unknown>>): string {
  const header = ["schema", "item_id", "claim.text", "claim.language", "question", "sources", "synthetic"];
  const rows = items.map((i) => {
    const claim = i["claim"] as { text: string; language: string };
    return [String(i["schema"]), String(i["item_id"]), claim.text, claim.language, "", JSON.stringify(i["sources"]), String(i["synthetic"])].map(csvField).join(",");
  });
  return [header.join(","), ...rows].join("\r\n") + "\r\n";
}

/** An async byte source over `text`, cut into chunks of `size` bytes (to cross every boundary). */
export async function* chunks(text: string | Buffer, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
