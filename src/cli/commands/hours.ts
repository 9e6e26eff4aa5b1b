/** `sealroom hours …` commands (filled in by the hours slice). */
import type { Command } from "../command.js";

export const hoursCommands: Command[] = [];
