/** `sealroom keys rotate` and `sealroom keys rotate-master`: data-key rotation and re-encryption, and master-key rewrap. */
import { resolve, sep } from "node:path";
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { loadOrCreateKeyFile } from "../../seal/kek.js";
import { TERMINAL } from "../../services/context.js";
import { rotateTenantKey } from "../../services/key-rotation.js";
import { rotateMasterKey } from "../../services/master-key-rotation.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { progress } from "../progress.js";

/** `sealroom keys rotate`. */
export const keysRotateCommand: Command = {
  name: "keys rotate",
  summary: "Rotate a tenant's data key (and re-encrypt its data with --reencrypt)",
  help: `Usage: sealroom keys rotate --tenant T [--reencrypt] [--batch N] [--json]

Creates a new data-key version for tenant T; new writes are sealed under it.
Values sealed earlier stay readable under their old versions.

With --reencrypt, every sealed value of the tenant is then rewritten under the
new version, N values per transaction, and versions nothing uses any more are
retired. Safe to interrupt: every value stays readable, and running the same
command again resumes the unfinished re-encryption (it does not rotate again).

Options:
  --tenant T            tenant slug or id
  --reencrypt           move existing values onto the new version
  --batch N             values per transaction (default 1000)
  --json                print the outcome as JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, reencrypt: { type: "boolean" }, batch: { type: "string" }, json: { type: "boolean" } },
      z.object({
        ...storeFlags,
        tenant: z.string().min(1),
        reencrypt: z.boolean().optional(),
        batch: z.coerce.number().int().min(1).max(10_000).optional(),
        json: z.boolean().optional(),
        _: z.array(z.string()).max(0),
      }),
    );
    const bar = progress(io, "values", { plain: !flags.json });
    const r = await withServices(configFrom(flags), (s) =>
      rotateTenantKey(s, flags.tenant, { reencrypt: flags.reencrypt === true, batch: flags.batch ?? 1000, onProgress: (p) => bar.update(p.done, p.total) }, TERMINAL),
    );
    bar.finish();
    if (flags.json) {
      io.out(`${JSON.stringify(r)}\n`);
      return 0;
    }
    io.out(r.resumed ? `Resumed the unfinished re-encryption of ${flags.tenant}.\n` : `Tenant ${flags.tenant}: data key v${r.version} is now current.\n`);
    if (r.reencrypted !== undefined) {
      const retired = r.retired?.length ? `; retired ${r.retired.map((v) => `v${v}`).join(", ")}` : "";
      io.out(`Re-encrypted ${r.reencrypted} values onto v${r.version}${retired}.\n`);
    }
    return 0;
  },
};

/** `sealroom keys rotate-master`. */
export const keysRotateMasterCommand: Command = {
  name: "keys rotate-master",
  summary: "Rewrap every data key under a new master key file",
  help: `Usage: sealroom keys rotate-master --new-key-file PATH

Rewraps every tenant's data keys under the master key in PATH (created, mode
0600, if it does not exist). Sealed rows are not touched. Then point
SEALROOM_KEY_FILE (or --key-file) at PATH and restart every Sealroom process;
keep the old key file until they have started cleanly, then destroy it.

Stop the server first (or restart it right after): a running process keeps
the old master key until it restarts.

If the command is interrupted, run it again exactly as before (with the old
key file still configured): keys already rewrapped are skipped. If you
switched to the new key file already, pass the old one with --key-file.

Options:
  --new-key-file PATH   the new master key file (outside the data folder)
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, "new-key-file": { type: "string" } },
      z.object({ ...storeFlags, "new-key-file": z.string().min(1), _: z.array(z.string()).max(0) }),
    );
    const config = configFrom(flags);
    const path = resolve(flags["new-key-file"]);
    if (path === config.keyFile) throw new SealroomError("bad_request", "--new-key-file names the master key file already in use; give a new path");
    if (path.startsWith(config.dataDir + sep)) {
      throw new SealroomError("bad_request", "the new master key file must live outside the data folder, so a copy of the data carries no key");
    }
    const next = await loadOrCreateKeyFile(path);
    const r = await withServices(config, (s) => rotateMasterKey(s, next, TERMINAL));
    io.out(
      [
        `Rewrapped ${r.rewrapped} keys under the new master key (id ${r.to}; old id ${r.from}).`,
        `Next: set SEALROOM_KEY_FILE=${path} (or pass --key-file ${path}) and restart Sealroom.`,
        `Keep ${config.keyFile} until Sealroom has started with the new key, then destroy it.`,
        "",
      ].join("\n"),
    );
    return 0;
  },
};
