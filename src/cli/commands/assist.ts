/** `sealroom assist run`: model assist drafts for a project's items, through the running gateway. */
import { z } from "zod";
import { TERMINAL } from "../../services/context.js";
import { getTenant } from "../../services/tenants.js";
import { workContext } from "../../services/work-access.js";
import { MAX_ASSIST_RUN, runAssist } from "../../services/work-assist.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";

const required = (what: string) => z.string({ error: (i) => (i.input === undefined ? `is required (${what})` : "must be a string") }).min(1);

/** `sealroom assist run`. */
export const assistRunCommand: Command = {
  name: "assist run",
  summary: "Draft answers with a project's assist model through the gateway",
  help: `Usage: sealroom assist run --tenant T --project P [--limit N] [--json] [--gateway-port N]

Asks the project's assist model (config.assist.model, a gateway alias) to
draft an answer for up to N items that have none yet, or whose last attempt
failed (default 50, at most ${MAX_ASSIST_RUN}); gold items are left out. Calls go
through the running gateway (start Sealroom with \`sealroom start\`) with the
project's own key, so they are metered, audited and charged to the project.
Each draft is checked against the template and stored sealed: ok, invalid
(with the first issues) or failed (with the gateway's error code). Refused
while the tenant or project is paused.

Options:
  --tenant T            tenant slug or id
  --project P           project slug or id
  --limit N             items to draft at most
  --json                print the outcome as JSON
  --gateway-port N      port of the running gateway (env SEALROOM_GATEWAY_PORT, default 7401)
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, project: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" }, "gateway-port": { type: "string" } },
      z.object({
        ...storeFlags,
        tenant: required("tenant slug or id"),
        project: required("project slug or id"),
        limit: z.coerce.number().int().min(1).max(MAX_ASSIST_RUN).optional(),
        json: z.boolean().optional(),
        "gateway-port": z.string().regex(/^\d{1,5}$/, "must be a port number").optional(),
        _: z.array(z.string()).max(0, "assist run takes no positional arguments"),
      }),
    );
    const config = configFrom(flags, flags["gateway-port"] ? { SEALROOM_GATEWAY_PORT: flags["gateway-port"] } : {});
    const r = await withServices(config, async (s) => {
      const ctx = await workContext(s, await getTenant(s, flags.tenant), flags.project);
      return runAssist(s, ctx, { limit: flags.limit ?? 50, caller: TERMINAL });
    });
    if (flags.json) io.out(`${JSON.stringify(r)}\n`);
    else {
      io.out(`Assist (${r.model}): ${r.attempted} item(s) drafted: ${r.ok} ok, ${r.invalid} invalid, ${r.failed} failed.\n`);
      if (r.stoppedBy) io.out(`Stopped early: the gateway refused the project's key (${r.stoppedBy}).\n`);
      if (r.more) io.out("More items are waiting: run it again.\n");
    }
    return 0;
  },
};
