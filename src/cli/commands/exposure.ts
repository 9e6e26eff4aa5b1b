/** `sealroom exposure`: what a credential could reach and did read, or who read a tenant's data, in a time window. */
import { z } from "zod";
import { parseIsoTime } from "../../domain/time.js";
import { TERMINAL } from "../../services/context.js";
import { actorExposure } from "../../services/exposure.js";
import { tenantExposure } from "../../services/exposure-tenant.js";
import { getTenant } from "../../services/tenants.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { formatActorExposure, formatTenantExposure } from "../format-exposure.js";
import { noPositionals } from "./audit-verify-inclusion.js";

const time = z.string({ error: (i) => (i.input === undefined ? "is required" : "must be a string") }).transform((text, ctx) => {
  const ms = parseIsoTime(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date (2026-11-28) or date-time with offset (2026-11-28T12:00:00Z)" });
    return z.NEVER;
  }
  return ms;
});

const schema = z
  .object({ ...storeFlags, actor: z.string().trim().min(1).max(320).optional(), tenant: z.string().min(1).optional(), from: time, to: time, json: z.boolean().optional(), _: noPositionals })
  .refine((f) => f.actor !== undefined || f.tenant !== undefined, { path: ["actor"], message: "give --actor ID, or --tenant T, or both" })
  .refine((f) => f.from <= f.to, { path: ["to"], message: "must not be before --from" });

/** The `exposure` command. */
export const exposureCommand: Command = {
  name: "exposure",
  summary: "Exposure report: what a credential reached and read, or who read a tenant",
  help: `Usage: sealroom exposure --actor ID --from T1 --to T2 [--tenant T] [--json]
       sealroom exposure --tenant T --from T1 --to T2 [--json]

With --actor: what that credential (a user id or email, an API token id, or
a gateway key id) could reach in the window (tenants, roles held, projects,
items leased to it) and what it did read (item ids and counts per project,
exports downloaded, gateway calls), with the audit seq range that proves
it. Adding --tenant limits the report to that tenant.

With only --tenant: every actor who read that tenant's sealed data in the
window, with counts and seq ranges.

Producing a report is itself recorded in the audit log.

Options:
  --actor ID            user id or email, API token id, gateway key id
  --tenant T            tenant slug or id
  --from T1, --to T2    ISO 8601: 2026-11-28 (midnight UTC) or
                        2026-11-28T12:00:00Z (an offset is required); both ends included
  --json                print the report as JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, actor: { type: "string" }, tenant: { type: "string" }, from: { type: "string" }, to: { type: "string" }, json: { type: "boolean" } },
      schema,
    );
    const w = { from: flags.from, to: flags.to };
    const text = await withServices(configFrom(flags), async (s) => {
      const tenant = flags.tenant === undefined ? undefined : await getTenant(s, flags.tenant);
      if (flags.actor !== undefined) {
        const r = await actorExposure(s, { actor: flags.actor, ...(tenant ? { tenantId: tenant.id } : {}), ...w }, TERMINAL);
        return flags.json ? `${JSON.stringify(r)}\n` : formatActorExposure(r);
      }
      const r = await tenantExposure(s, tenant!, w, TERMINAL);
      return flags.json ? `${JSON.stringify(r)}\n` : formatTenantExposure(r);
    });
    io.out(text);
    return 0;
  },
};
