/**
 * The shape every `sealroom` subcommand has. Arguments arrive as strings and
 * leave `parseArgs` typed by a zod schema; errors are SealroomErrors that
 * main.ts prints as one line and turns into an exit code.
 */
import { parseArgs as nodeParseArgs } from "node:util";
import type { z } from "zod";
import { SealroomError } from "../domain/errors.js";

/** Where a command writes; tests pass a capturing one. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  /** Asks a question on stderr and reads one line of stdin; undefined when there is no answer (stdin closed). */
  prompt?(question: string): Promise<string | undefined>;
}

export interface Command {
  /** Words after `sealroom`, e.g. "audit verify-inclusion". */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full help text printed for `--help`. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/**
 * Parses argv with node:util's strict parser, then validates the result with
 * `schema`. Unknown flags, missing values and schema failures all become a
 * `bad_request` SealroomError naming the flag.
 */
export function parseCommandArgs<S extends z.ZodType>(
  argv: readonly string[],
  options: OptionSpec,
  schema: S,
): z.infer<S> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = nodeParseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new SealroomError("bad_request", e instanceof Error ? e.message : "could not read the arguments");
  }
  const result = schema.safeParse({ ...parsed.values, _: parsed.positionals });
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `--${String(issue.path[0])}` : "arguments";
    const name = where === "--_" ? "positional arguments" : where;
    throw new SealroomError("bad_request", `${name}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

/** True when argv asks for help. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}
