/** `sealroom agreement …` commands (filled in by the agreement slice). */
import type { Command } from "../command.js";

export const agreementCommands: Command[] = [];
