/** `sealroom tenant create|list`: tenants from the operator's terminal. */
import { z } from "zod";
import { slugSchema as slug } from "../../domain/slug.js";
import { TERMINAL } from "../../services/context.js";
import { createTenant } from "../../services/tenants.js";
import { listTenants } from "../../store/repos/tenants.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";


export const tenantCreateCommand: Command = {
  name: "tenant create",
  summary: "Create a tenant (one AI lab)",
  help: `Usage: sealroom tenant create --slug SLUG --name NAME [--json]

Creates a tenant. Invite its first lab admin with
  sealroom invite --tenant SLUG --email EMAIL --role lab_admin

Options:
  --slug SLUG           short unique name (lowercase letters, digits, hyphens)
  --name NAME           display name
  --json                print the tenant as JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, slug: { type: "string" }, name: { type: "string" }, json: { type: "boolean" } },
      z.object({ ...storeFlags, slug, name: z.string().trim().min(1).max(200), json: z.boolean().optional(), _: z.array(z.string()).max(0) }),
    );
    const t = await withServices(configFrom(flags), (s) => createTenant(s, { slug: flags.slug, name: flags.name }, TERMINAL));
    io.out(flags.json ? `${JSON.stringify({ id: t.id, slug: t.slug, name: t.name })}\n` : `Tenant ${t.slug} created (id ${t.id}).\n`);
    return 0;
  },
};

export const tenantListCommand: Command = {
  name: "tenant list",
  summary: "List tenants",
  help: `Usage: sealroom tenant list [--json]

Options:
  --json                print JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, { ...STORE_OPTIONS, json: { type: "boolean" } }, z.object({ ...storeFlags, json: z.boolean().optional(), _: z.array(z.string()).max(0) }));
    const rows = await withServices(configFrom(flags), (s) => listTenants(s.store.db));
    if (flags.json) io.out(`${JSON.stringify(rows.map((t) => ({ id: t.id, slug: t.slug, name: t.name, status: t.status })))}\n`);
    else io.out(rows.length ? rows.map((t) => `${t.slug.padEnd(24)} ${t.status.padEnd(8)} ${t.name}`).join("\n") + "\n" : "No tenants yet.\n");
    return 0;
  },
};
