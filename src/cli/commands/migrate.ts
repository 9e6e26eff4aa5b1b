/** `sealroom migrate`: apply pending migrations and exit. */
import { z } from "zod";
import { openStore } from "../../store/store.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags } from "../common.js";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Apply pending database migrations",
  help: `Usage: sealroom migrate [options]

Applies every pending migration to the configured database and exits.
(sealroom start does this too.)

Options:
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, STORE_OPTIONS, z.object({ ...storeFlags, _: z.array(z.string()).max(0, "migrate takes no positional arguments") }));
    const store = openStore(configFrom(flags));
    try {
      const applied = await store.migrate();
      io.out(applied.length ? `Applied: ${applied.join(", ")}\n` : "Already up to date.\n");
      return 0;
    } finally {
      await store.close();
    }
  },
};
