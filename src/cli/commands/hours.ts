/**
 * `sealroom hours …`: the hours ledger from the server's terminal: approve or
 * reject a pending manual entry, list timesheets or entries, export a week
 * as CSV. Decisions made here are recorded as the terminal's (decided_by
 * "terminal"); reading entries opens their sealed reasons and is audited.
 */
import { isoTime as iso } from "../../domain/time.js";
import { existsSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { formatHours, type TimesheetRow } from "../../domain/work/hours.js";
import { TERMINAL } from "../../services/context.js";
import { getTenant } from "../../services/tenants.js";
import { decideEntry, exportTimesheet, hoursEntries, hoursEntryJson, hoursPeriod, hoursTimesheet, timesheetRowJson, type HoursEntryView } from "../../services/work-hours.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";

const tenant = z.string().min(1).max(128);
const week = z.string().regex(/^\d{4}-W\d{2}$/, "must be an ISO week such as 2026-W48");
const none = z.array(z.string()).max(0, "takes no positional arguments");

/** `sealroom hours approve`. */
export const hoursApproveCommand: Command = {
  name: "hours approve",
  summary: "Approve (or with --reject, reject) a pending manual hours entry",
  help: `Usage: sealroom hours approve --tenant T ENTRY_ID [--reject] [--json]

Decides on a contractor's pending manual entry. A decision is final and
recorded in the audit log; a later change is made with a correction (POST
/api/tenants/T/hours/entries/ID/correction). List pending entries with
  sealroom hours list --tenant T --status pending

Options:
  --tenant T            tenant slug or id
  --reject              reject instead of approve
  --json                print the decided entry as JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, reject: { type: "boolean" }, json: { type: "boolean" } },
      z.object({ ...storeFlags, tenant, reject: z.boolean().optional(), json: z.boolean().optional(), _: z.tuple([z.string().min(1).max(128)], { error: "give exactly one ENTRY_ID" }) }),
    );
    const decision = flags.reject ? "rejected" : "approved";
    const e = await withServices(configFrom(flags), async (s) => decideEntry(s, (await getTenant(s, flags.tenant)).id, flags._[0], decision, "terminal", TERMINAL));
    io.out(flags.json ? `${JSON.stringify(hoursEntryJson(e))}\n` : `Entry ${e.id} ${e.status}: ${formatHours(e.ms)} h for ${e.userId} on ${e.projectId}.\n`);
    return 0;
  },
};

function rowsText(rows: readonly TimesheetRow[]): string {
  if (rows.length === 0) return "No hours in this period.\n";
  const head = ["user", "project", "week", "auto", "approved", "pending", "rejected", "corr", "total"];
  const lines = rows.map((r) => [r.userId, r.projectId, r.week, ...[r.autoMs, r.approvedManualMs, r.pendingManualMs, r.rejectedManualMs, r.correctionsMs, r.totalApprovedMs].map(formatHours)]);
  return [head, ...lines].map((cells) => cells.join("  ")).join("\n") + "\n";
}

function entriesText(entries: readonly HoursEntryView[]): string {
  if (entries.length === 0) return "No entries.\n";
  // The reason is the contractor's text: JSON-quoted so a newline or escape in it cannot fake another line.
  return entries.map((e) => `${e.id}  ${e.status.padEnd(8)} ${formatHours(e.ms).padStart(6)} h  ${iso(e.start)}  user ${e.userId}  project ${e.projectId}  ${JSON.stringify(e.reason ?? "")}`).join("\n") + "\n";
}

const listSchema = z.object({
  ...storeFlags,
  tenant,
  week: week.optional(),
  user: z.string().min(1).max(128).optional(),
  project: z.string().min(1).max(128).optional(),
  status: z.enum(["pending", "all"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  json: z.boolean().optional(),
  _: none,
});

/** `sealroom hours list`. */
export const hoursListCommand: Command = {
  name: "hours list",
  summary: "Timesheet rows of a week, or entries (with reasons) by status",
  help: `Usage: sealroom hours list --tenant T [--week 2026-W48] [--user ID] [--project P] [--json]
       sealroom hours list --tenant T --status pending|all [--week W] [--limit N] [--json]

Without --status: the timesheet of the week (default: the current ISO week,
UTC), one row per contractor, project and week, in hours: measured task
time, approved / pending / rejected manual time, corrections, and the
approved total.

With --status: entries with their reasons opened (recorded in the audit log
as hours.read). pending lists every undecided manual entry; all lists the
entries counted in the week.

Options:
  --tenant T            tenant slug or id
  --week W              ISO week, e.g. 2026-W48
  --user ID             one contractor (user id)
  --project P           one project (slug or id)
  --status S            pending or all: list entries instead of the timesheet
  --limit N             entries to show (default 50, at most 200)
  --json                print JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, week: { type: "string" }, user: { type: "string" }, project: { type: "string" }, status: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" } },
      listSchema,
    );
    const text = await withServices(configFrom(flags), async (s) => {
      const t = await getTenant(s, flags.tenant);
      const period = hoursPeriod(s, { week: flags.week });
      if (flags.status !== undefined) {
        const q = flags.status === "pending" ? ({ status: "pending" } as const) : ({ status: "all", period, userId: flags.user ?? null, project: flags.project ?? null } as const);
        const r = await hoursEntries(s, t.id, q, "", flags.limit ?? 50, TERMINAL);
        return flags.json ? `${JSON.stringify({ entries: r.entries.map(hoursEntryJson), next: r.next })}\n` : entriesText(r.entries);
      }
      const sheet = await hoursTimesheet(s, t.id, period, { userId: flags.user ?? null, project: flags.project ?? null });
      return flags.json ? `${JSON.stringify({ period: sheet.period.label, rows: sheet.rows.map(timesheetRowJson), totals: sheet.totals })}\n` : `Week ${sheet.period.label}\n${rowsText(sheet.rows)}`;
    });
    io.out(text);
    return 0;
  },
};

/** `sealroom hours export`. */
export const hoursExportCommand: Command = {
  name: "hours export",
  summary: "Export a week's timesheet as CSV",
  help: `Usage: sealroom hours export --tenant T --week 2026-W48 [--out FILE]

Prints the week's timesheet as CSV (RFC 4180, CRLF line ends; cells that a
spreadsheet would run as a formula are prefixed with '), or writes it to
FILE (created with mode 0600; an existing file is not overwritten). The
export is recorded in the audit log as hours.export.

Options:
  --tenant T            tenant slug or id
  --week W              ISO week, e.g. 2026-W48
  --out FILE            write the CSV here instead of standard output
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, week: { type: "string" }, out: { type: "string" } },
      z.object({ ...storeFlags, tenant, week, out: z.string().min(1).max(4096).optional(), _: none }),
    );
    const taken = (path: string) => new SealroomError("bad_request", `--out: ${path} already exists; choose another file.`);
    // Checked before the export is made (and audited); "wx" below still refuses a file created meanwhile.
    if (flags.out !== undefined && existsSync(flags.out)) throw taken(flags.out);
    const r = await withServices(configFrom(flags), async (s) => exportTimesheet(s, await getTenant(s, flags.tenant), hoursPeriod(s, { week: flags.week }), TERMINAL));
    if (flags.out === undefined) {
      io.out(r.csv);
      return 0;
    }
    try {
      writeFileSync(flags.out, r.csv, { mode: 0o600, flag: "wx" });
    } catch (e) {
      const exists = e instanceof Error && "code" in e && e.code === "EEXIST";
      throw exists ? taken(flags.out) : new SealroomError("bad_request", `--out: cannot write ${flags.out}.`);
    }
    io.out(`Wrote ${r.rows} rows to ${flags.out}.\n`);
    return 0;
  },
};

export const hoursCommands: Command[] = [hoursApproveCommand, hoursListCommand, hoursExportCommand];
