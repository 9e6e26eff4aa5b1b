/**
 * Entry point of the `sealroom` command. Finds the subcommand whose words
 * match the start of argv (longest match wins), prints help on request, and
 * turns errors into one readable line and an exit code: 2 for bad
 * arguments, 1 for everything else. No stack trace reaches the terminal.
 */
import { isSealroomError } from "../domain/errors.js";
import type { CliIo, Command } from "./command.js";
import { wantsHelp } from "./command.js";
import { commands } from "./commands/index.js";

/** Finds the command named by the first words of argv. */
export function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined {
  let best: { command: Command; rest: readonly string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(" ");
    const matches = words.every((w, i) => argv[i] === w);
    if (matches && (!best || words.length > best.command.name.split(" ").length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

function usage(prefix: readonly string[] = []): string {
  const shown = commands.filter((c) => prefix.every((w, i) => c.name.split(" ")[i] === w));
  const width = Math.max(...shown.map((c) => c.name.length), 10);
  const lines = shown.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ["Usage: sealroom <command> [options]", "", "Commands:", ...lines, "", "Run `sealroom <command> --help` for a command's options.", ""].join("\n");
}

/** Runs the CLI with argv (without node and script) and resolves to an exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const found = findCommand(argv);
  if (!found) {
    if (argv.length === 0 || wantsHelp(argv)) {
      io.out(usage());
      return 0;
    }
    const group = commands.some((c) => c.name.split(" ")[0] === argv[0]);
    if (group && (argv.length === 1 || wantsHelp(argv))) {
      io.out(usage([argv[0] ?? ""]));
      return argv.length === 1 ? 2 : 0;
    }
    io.err(`sealroom: unknown command '${argv.join(" ")}'. Run \`sealroom --help\` for the list.\n`);
    return 2;
  }
  if (wantsHelp(found.rest)) {
    io.out(found.command.help.endsWith("\n") ? found.command.help : `${found.command.help}\n`);
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (e) {
    if (isSealroomError(e)) {
      io.err(`sealroom ${found.command.name}: ${e.message}\n`);
      return e.code === "bad_request" ? 2 : 1;
    }
    io.err(`sealroom ${found.command.name}: unexpected failure (${e instanceof Error ? e.name : "error"}); nothing further was done.\n`);
    return 1;
  }
}
