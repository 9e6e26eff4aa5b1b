/** Every `sealroom` subcommand, in the order `sealroom --help` lists them. */
import type { Command } from "../command.js";

export const commands: readonly Command[] = [
];
