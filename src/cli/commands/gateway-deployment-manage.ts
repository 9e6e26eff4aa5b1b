/** `sealroom gateway deployment remove|rotate-key`: the rest of a deployment's life from the terminal. */
import { z } from "zod";
import { TERMINAL } from "../../services/context.js";
import { removeDeployment, rotateDeploymentKey } from "../../services/gateway-deployments.js";
import { getTenant } from "../../services/tenants.js";
import { parseCommandArgs, type Command } from "../command.js";
import { configFrom, withServices } from "../common.js";
import { readKeyFile } from "./gateway.js";

/** Like STORE_OPTIONS, but --key-file is the provider key here, so the master key file is --master-key-file (as in `deployment add`). */
const OPTIONS = { "data-dir": { type: "string" }, "database-url": { type: "string" }, "master-key-file": { type: "string" }, tenant: { type: "string" } } as const;
const FLAGS = { "data-dir": z.string().min(1).optional(), "database-url": z.string().min(1).optional(), "master-key-file": z.string().min(1).optional(), tenant: z.string().min(1) };
const HELP = `  --tenant T            tenant slug or id
  --data-dir DIR        data folder (env SEALROOM_DATA_DIR, default ./data)
  --database-url URL    postgres://… to use PostgreSQL (env SEALROOM_DATABASE_URL)
  --master-key-file P   master key file (env SEALROOM_KEY_FILE)`;

const configOf = (f: { "data-dir"?: string | undefined; "database-url"?: string | undefined; "master-key-file"?: string | undefined }) =>
  configFrom({ "data-dir": f["data-dir"], "database-url": f["database-url"], "key-file": f["master-key-file"] });

export const gatewayDeploymentRemoveCommand: Command = {
  name: "gateway deployment remove",
  summary: "Remove a gateway deployment",
  help: `Usage: sealroom gateway deployment remove --tenant T DEPLOYMENT_ID

Removes the deployment and its sealed provider key; the gateway stops routing
to it with its next configuration (a running sealroom start picks the change
up within a second).

Options:
${HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, OPTIONS, z.object({ ...FLAGS, _: z.array(z.string().min(1).max(200)).length(1, "name the deployment id to remove") }));
    await withServices(configOf(flags), async (s) => removeDeployment(s, (await getTenant(s, flags.tenant)).id, flags._[0]!, TERMINAL));
    io.out(`Deployment ${flags._[0]} removed.\n`);
    return 0;
  },
};

export const gatewayDeploymentRotateKeyCommand: Command = {
  name: "gateway deployment rotate-key",
  summary: "Replace a gateway deployment's provider key",
  help: `Usage: sealroom gateway deployment rotate-key --tenant T DEPLOYMENT_ID --key-file FILE

Seals the new provider key read from FILE (mode 0600, never from argv) in
place of the old one, which is gone from the database at once; the gateway
uses the new key from its next configuration.

Options:
  --key-file FILE       the new provider key
${HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...OPTIONS, "key-file": { type: "string" } },
      z.object({ ...FLAGS, "key-file": z.string().min(1), _: z.array(z.string().min(1).max(200)).length(1, "name the deployment id") }),
    );
    const key = readKeyFile(flags["key-file"]);
    const r = await withServices(configOf(flags), async (s) => rotateDeploymentKey(s, (await getTenant(s, flags.tenant)).id, flags._[0]!, key, TERMINAL));
    io.out(`Deployment ${flags._[0]} now uses the key ending …${r.lastFour}.\n`);
    return 0;
  },
};
