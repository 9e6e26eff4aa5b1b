/** `sealroom agreement` (a project's agreement report) and `sealroom export` (its export-ready answers as JSONL). */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { TERMINAL } from "../../services/context.js";
import { getTenant } from "../../services/tenants.js";
import { workContext } from "../../services/work-access.js";
import { agreementReport, type AgreementReport } from "../../services/work-agreement.js";
import { exportAll } from "../../services/work-export.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { noPositionals } from "./audit-verify-inclusion.js";

const required = (what: string) => z.string({ error: (i) => (i.input === undefined ? `is required (${what})` : "must be a string") }).min(1);
const where = { tenant: required("tenant slug or id"), project: required("project slug or id") };

const agreementCommand: Command = {
  name: "agreement",
  summary: "Agreement report of a project: alpha per field with CI, kappas, span F1",
  help: `Usage: sealroom agreement --tenant T --project P [--json] [--no-bootstrap]

How far the contractors who answered the same items agree, per answer field
(verdict, each stance, ratings, choices): Krippendorff's alpha at the field's
level with a percentile bootstrap 95% CI over items (seeded, so the same
answers always give the same interval), Fleiss' kappa on nominal fields
(over the items with the most common number of answers), Cohen's kappa when
exactly two coders answered, and span-overlap F1 of evidence spans.

Each assignment's latest submission counts; reviewer fixes and gold items do
not. The report is recorded in the audit log (agreement.read).

Options:
  --tenant T            tenant slug or id
  --project P           project slug or id
  --json                print the report as JSON
  --no-bootstrap        skip the confidence intervals (faster)
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, project: { type: "string" }, json: { type: "boolean" }, "no-bootstrap": { type: "boolean" } },
      z.object({ ...storeFlags, ...where, json: z.boolean().optional(), "no-bootstrap": z.boolean().optional(), _: noPositionals }),
    );
    const report = await withServices(configFrom(flags), async (s) => {
      const ctx = await workContext(s, await getTenant(s, flags.tenant), flags.project);
      return agreementReport(s, ctx, { bootstrap: flags["no-bootstrap"] !== true }, TERMINAL);
    });
    io.out(flags.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return 0;
  },
};

const exportCommand: Command = {
  name: "export",
  summary: "Export a project's resolved items as JSONL in the template's export shape",
  help: `Usage: sealroom export --tenant T --project P [--out FILE] [--format records|preference]

Writes one JSON line per resolved item (its final answer in the template's
export shape, with resolution_id, method and annotation_ids) to standard
output, or to FILE. FILE is created with mode 0600 and must not exist yet;
it is removed again if the export fails. Exports of a paused tenant or
project are refused. The export is recorded in the audit log
(export.download, with its id and record count) before anything is opened.

With --format preference, writes model-assist preference pairs instead: one
line per resolved item whose final answer differs from the model's draft,
{item_id, prompt, chosen (the final answer), rejected (the model's draft),
chosen_by (the resolution method)}.

Options:
  --tenant T            tenant slug or id
  --project P           project slug or id
  --out FILE            write to FILE instead of standard output
  --format F            records (default) or preference
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, project: { type: "string" }, out: { type: "string" }, format: { type: "string" } },
      z.object({ ...storeFlags, ...where, out: z.string().min(1).optional(), format: z.enum(["records", "preference"]).optional(), _: noPositionals }),
    );
    const r = await withServices(configFrom(flags), async (s) => {
      const ctx = await workContext(s, await getTenant(s, flags.tenant), flags.project);
      const format = flags.format ?? "records";
      if (flags.out === undefined) return exportAll(s, ctx, null, async (line) => io.out(line), TERMINAL, format);
      return toFile(flags.out, (write) => exportAll(s, ctx, null, write, TERMINAL, format));
    });
    // With no --out the records are on stdout, so the summary goes to stderr and stdout stays pure JSONL.
    const summary = `Exported ${r.count} record${r.count === 1 ? "" : "s"} (export ${r.exportId})${flags.out ? ` to ${flags.out}` : ""}.\n`;
    if (flags.out) io.out(summary);
    else io.err(summary);
    return 0;
  },
};

/** Runs `fn` writing to a new 0600 file; removes the file when it fails. */
async function toFile<T>(path: string, fn: (write: (line: string) => Promise<void>) => Promise<T>): Promise<T> {
  const stream = createWriteStream(path, { mode: 0o600, flags: "wx" });
  try {
    await once(stream, "open");
  } catch (e) {
    const exists = (e as NodeJS.ErrnoException).code === "EEXIST";
    throw new SealroomError("bad_request", exists ? `--out: ${path} already exists; choose a new file name.` : `--out: cannot create ${path}.`);
  }
  try {
    const result = await fn(async (line) => {
      if (!stream.write(line)) await once(stream, "drain");
    });
    await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
    return result;
  } catch (e) {
    stream.destroy();
    await rm(path, { force: true });
    throw e;
  }
}

const num = (x: number | null, digits = 3) => (x === null ? "n/a" : x.toFixed(digits));

/** The report as a table a person can read at a terminal. */
export function formatReport(r: AgreementReport): string {
  const c = r.counts;
  const lines = [
    `Agreement, ${r.template} project ${r.projectId}: ${c.itemsWithOverlap} item(s) with two or more answers of ${c.items} answered; ${c.answers} answer(s) by ${c.coders} coder(s).`,
  ];
  if (c.truncated) lines.push("The project exceeds the report's bound: only its first items (in import order) were measured.");
  lines.push("", `${"field".padEnd(24)} ${"level".padEnd(8)} ${"alpha".padStart(7)}  ${"95% CI".padEnd(17)} ${"units".padStart(7)}`);
  for (const f of r.fields) {
    const ci = r.bootstrap === null ? "not computed" : f.ci95 === null ? "n/a" : `[${num(f.ci95.lower)}, ${num(f.ci95.upper)}]`;
    lines.push(`${f.field.padEnd(24)} ${f.level.padEnd(8)} ${num(f.alpha).padStart(7)}  ${ci.padEnd(17)} ${String(f.nUnits).padStart(7)}`);
  }
  if (r.bootstrap) lines.push("", `CI: ${r.bootstrap.method}, ${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}.`);
  if (r.fleiss.length) {
    lines.push("", "Fleiss' kappa (nominal fields):");
    for (const f of r.fleiss) lines.push(`  ${f.field.padEnd(22)} ${num(f.kappa).padStart(7)}  ${f.rule}: ${f.items} item(s), ${f.itemsLeftOut} left out`);
  }
  lines.push("", "Cohen's kappa:");
  if (r.cohen.reason !== null) lines.push(`  ${r.cohen.reason}`);
  else {
    lines.push(`  coders ${r.cohen.coders!.join(" and ")}, ${r.cohen.sharedItems} shared item(s)`);
    for (const f of r.cohen.fields) lines.push(`  ${f.field.padEnd(22)} ${num(f.kappa).padStart(7)}  n=${f.n}`);
  }
  lines.push("", r.spans.pairs === 0 ? "Span-overlap F1: no span pairs to compare." : `Span-overlap F1: ${num(r.spans.meanF1)} (mean over ${r.spans.pairs} pair(s)).`);
  return `${lines.join("\n")}\n`;
}

/** The commands of this file, in help order. */
export const agreementCommands: Command[] = [agreementCommand, exportCommand];
