/** `sealroom invite`: invite someone into a tenant from the server's terminal. */
import { z } from "zod";
import { TENANT_ROLES } from "../../domain/policy.js";
import { TERMINAL } from "../../services/context.js";
import { createInvitation } from "../../services/invitations.js";
import { getTenant } from "../../services/tenants.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";

export const inviteCommand: Command = {
  name: "invite",
  summary: "Invite an email address into a tenant with a role",
  help: `Usage: sealroom invite --tenant T --email EMAIL --role ROLE

Creates a one-time invitation link (valid 7 days) and prints it. No mail is
sent: pass the link to the invitee yourself.

Options:
  --tenant T            tenant slug or id
  --email EMAIL         who is invited
  --role ROLE           one of ${TENANT_ROLES.join(", ")}
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, email: { type: "string" }, role: { type: "string" } },
      z.object({ ...storeFlags, tenant: z.string().min(1), email: z.email("must be an email address"), role: z.enum(TENANT_ROLES), _: z.array(z.string()).max(0) }),
    );
    const r = await withServices(configFrom(flags), async (s) => {
      const tenant = await getTenant(s, flags.tenant);
      return createInvitation(s, "terminal", tenant.id, { email: flags.email, role: flags.role }, TERMINAL);
    });
    io.out(`Invitation for ${flags.email} as ${flags.role}: ${r.link}\n`);
    return 0;
  },
};
