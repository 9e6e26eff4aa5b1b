/** `sealroom tenant shred`: crypto-shred a tenant after the operator types its slug. */
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { TERMINAL } from "../../services/context.js";
import { shredTenant } from "../../services/tenant-shred.js";
import { getTenant } from "../../services/tenants.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";

/** `sealroom tenant shred`. */
export const tenantShredCommand: Command = {
  name: "tenant shred",
  summary: "Destroy a tenant's keys: its data becomes unrecoverable",
  help: `Usage: sealroom tenant shred T [--confirm SLUG]

Destroys tenant T's data keys. Everything sealed under them (items, answers,
comments, import records) becomes unrecoverable: reads answer "shredded".
The tenant is marked shredded, its API tokens and open invitations are
revoked, and its members lose access to it. Other tenants are not affected.
The act is recorded in the audit log. There is no undo.

You are asked to type the tenant's slug to confirm; scripts pass it with
--confirm SLUG. Afterwards, rotating the master key (sealroom keys
rotate-master) makes copies of the destroyed keys in old backups useless too.

Options:
  --confirm SLUG        the tenant's slug, to confirm without a prompt
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, confirm: { type: "string" } },
      z.object({ ...storeFlags, confirm: z.string().optional(), _: z.array(z.string().min(1)).length(1, "name exactly one tenant (slug or id)") }),
    );
    const r = await withServices(configFrom(flags), async (s) => {
      const tenant = await getTenant(s, flags._[0]!);
      const answer =
        flags.confirm ??
        (await io.prompt?.(
          `This destroys the keys of tenant ${tenant.slug} (${tenant.name}): all of its data becomes unrecoverable.\nType the tenant's slug (${tenant.slug}) to confirm: `,
        ));
      if (answer === undefined) throw new SealroomError("bad_request", "no confirmation was given; nothing was shredded (scripts: pass --confirm SLUG)");
      return shredTenant(s, tenant.id, answer.trim(), TERMINAL);
    });
    io.out(
      r.shredded
        ? `Tenant ${r.tenant.slug} shredded: its keys are destroyed and its data can no longer be read. Revoked ${r.tokensRevoked} API tokens and ${r.invitationsRevoked} invitations.\n`
        : `Tenant ${r.tenant.slug} was already shredded; checked that its keys are gone.\n`,
    );
    return 0;
  },
};
