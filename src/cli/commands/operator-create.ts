/** `sealroom operator create`: the installation's operator account (the one account not made by invitation). */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { TERMINAL } from "../../services/context.js";
import { createUser, generatePassword } from "../../services/users.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";

const schema = z.object({
  ...storeFlags,
  email: z.email("must be an email address"),
  name: z.string().trim().min(1).max(200).optional(),
  "password-file": z.string().min(1).optional(),
  _: z.array(z.string()).max(0, "operator create takes no positional arguments"),
});

export const operatorCreateCommand: Command = {
  name: "operator create",
  summary: "Create an operator account",
  help: `Usage: sealroom operator create --email EMAIL [--name NAME] [--password-file FILE]

Creates an installation operator. Operators manage tenants but read no tenant
data, and must enrol TOTP at first sign-in. Without --password-file a random
password is generated and printed once. Passwords are never taken from argv.

Options:
  --email EMAIL         the operator's email (sign-in name)
  --name NAME           display name
  --password-file FILE  read the password from FILE (first line)
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, { ...STORE_OPTIONS, email: { type: "string" }, name: { type: "string" }, "password-file": { type: "string" } }, schema);
    let password: string;
    if (flags["password-file"]) {
      try {
        password = (readFileSync(flags["password-file"], "utf8").split("\n")[0] ?? "").trimEnd();
      } catch {
        throw new SealroomError("bad_request", `--password-file: cannot read ${flags["password-file"]}`);
      }
    } else {
      password = generatePassword();
    }
    const user = await withServices(configFrom(flags), (s) =>
      s.store.transaction((tx) => createUser(s, tx, { email: flags.email, displayName: flags.name ?? "Operator", password, isOperator: true }, TERMINAL)),
    );
    io.out(`Operator ${user.email} created (id ${user.id}).\n`);
    if (!flags["password-file"]) io.out(`Password (shown once): ${password}\n`);
    return 0;
  },
};
