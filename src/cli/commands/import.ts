/** `sealroom import`: stream a JSONL, CSV or Label Studio file into a project, sealed. */
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { once } from "node:events";
import { basename } from "node:path";
import { z } from "zod";
import { SealroomError, isSealroomError } from "../../domain/errors.js";
import { formatFromFileName } from "../../formats/read.js";
import { IMPORT_FORMATS } from "../../formats/records.js";
import { TERMINAL } from "../../services/context.js";
import { importItems, type ImportSummary, type LineError, type RejectedLine } from "../../services/import.js";
import { parseCommandArgs, type CliIo, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { progress } from "../progress.js";

const schema = z.object({
  ...storeFlags,
  tenant: z.string().min(1),
  project: z.string().min(1),
  format: z.enum(IMPORT_FORMATS as [string, ...string[]]).optional(),
  "skip-invalid": z.boolean().optional(),
  rejects: z.string().min(1).optional(),
  json: z.boolean().optional(),
  _: z.array(z.string().min(1)).length(1, "name exactly one FILE to import"),
});

const READ_CHUNK = 1024 * 1024;

/** `sealroom import`. */
export const importCommand: Command = {
  name: "import",
  summary: "Import items from a JSONL, CSV or Label Studio file into a project",
  help: `Usage: sealroom import --tenant T --project P FILE [options]

Streams FILE into project P of tenant T: every line is checked against the
project template's item schema, and every item is sealed under the tenant's
data key. By default the import is all or nothing: if any line is invalid,
each error is printed as "line N: field: message" and nothing is imported.
Re-importing the same file adds nothing; an item whose id exists with other
content is reported as changed and left as it was.

Options:
  --tenant T            tenant slug or id
  --project P           project slug or id
  --format F            jsonl, csv or labelstudio (default: from the file
                        extension: .jsonl/.ndjson, .csv, .json)
  --skip-invalid        import the valid lines; write the invalid ones to the
                        rejects file (line number, errors, raw line)
  --rejects FILE        rejects file (default FILE.rejects.jsonl); it holds
                        raw lines of tenant data: it is created mode 0600
  --json                print one JSON summary instead of text
${STORE_HELP}

CSV: the header names the fields; "claim.text" names a nested field; the
template's nested fields (e.g. sources, gold) are columns holding JSON. See
docs/IMPORT.md.
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      {
        ...STORE_OPTIONS,
        tenant: { type: "string" },
        project: { type: "string" },
        format: { type: "string" },
        "skip-invalid": { type: "boolean" },
        rejects: { type: "string" },
        json: { type: "boolean" },
      },
      schema,
    );
    const file = flags._[0]!;
    const format = (flags.format ?? formatFromFileName(file)) as (typeof IMPORT_FORMATS)[number] | undefined;
    if (!format) throw new SealroomError("bad_request", `cannot tell the format of ${file} from its name: pass --format jsonl, csv or labelstudio`);
    const size = (await stat(file).catch(() => undefined))?.size;
    if (size === undefined) throw new SealroomError("bad_request", `cannot read ${file}`);
    const rejects = new RejectsFile(flags.rejects ?? `${file}.rejects.jsonl`);
    const bar = progress(io, "items");
    try {
      const summary = await withServices(configFrom(flags), (s) =>
        importItems(s, { tenant: flags.tenant, project: flags.project }, createReadStream(file, { highWaterMark: READ_CHUNK }), {
          format,
          fileName: basename(file),
          skipInvalid: flags["skip-invalid"] === true,
          onReject: (r) => rejects.write(r),
          onProgress: (p) => bar.update(p.records, undefined, size > 0 ? p.bytes / size : 1),
        }, TERMINAL),
      );
      bar.finish();
      await rejects.close();
      printSummary(io, summary, flags.json === true, rejects.used ? rejects.path : undefined);
      return 0;
    } catch (e) {
      bar.finish();
      await rejects.close();
      if (!isSealroomError(e, "validation_failed")) throw e;
      printErrors(io, e, flags.json === true);
      return 1;
    }
  },
};

/** The rejects file, opened on the first rejected line (mode 0600: it holds raw tenant data). */
class RejectsFile {
  used = false;
  #stream: WriteStream | undefined;
  constructor(readonly path: string) {}

  async write(r: RejectedLine): Promise<void> {
    this.#stream ??= createWriteStream(this.path, { mode: 0o600, flags: "w" });
    this.used = true;
    if (!this.#stream.write(`${JSON.stringify({ line: r.line, errors: r.errors, raw: r.raw })}\n`)) await once(this.#stream, "drain");
  }

  async close(): Promise<void> {
    const s = this.#stream;
    this.#stream = undefined;
    if (s) await new Promise<void>((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}

function printSummary(io: CliIo, r: ImportSummary, json: boolean, rejectsPath: string | undefined): void {
  if (json) {
    io.out(`${JSON.stringify({ ...r, rejectsFile: rejectsPath ?? null })}\n`);
    return;
  }
  io.out(
    `Imported ${r.imported} of ${r.total} items (${r.skippedDuplicates} already present, ${r.changed} changed, ${r.rejected} rejected). Import ${r.importId}, sha256 ${r.sha256}.\n`,
  );
  for (const c of r.changedItems) io.out(`line ${c.line}: item ${c.externalId} exists with other content; not overwritten\n`);
  if (r.changed > r.changedItems.length) io.out(`… and ${r.changed - r.changedItems.length} more changed items\n`);
  if (rejectsPath) io.out(`Rejected lines written to ${rejectsPath}\n`);
}

function printErrors(io: CliIo, e: SealroomError, json: boolean): void {
  const errors = (e.details["errors"] ?? []) as LineError[];
  const count = typeof e.details["errorCount"] === "number" ? e.details["errorCount"] : errors.length;
  if (json) {
    io.out(`${JSON.stringify({ status: "failed", message: e.message, errorCount: count, errors })}\n`);
    return;
  }
  for (const x of errors) io.err(`line ${x.line}: ${x.path}: ${x.message}\n`);
  if (count > errors.length) io.err(`… and ${count - errors.length} more invalid lines\n`);
  io.err(errors.length ? "Nothing was imported.\n" : `${e.message}\n`);
}
