/** Process entry of the `sealroom` command: wires runCli to stdio and the exit code. */
import { createInterface } from "node:readline";
import { runCli } from "./main.js";

/** Asks on stderr, reads one line from stdin (undefined if stdin ends first). */
function prompt(question: string): Promise<string | undefined> {
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  return new Promise((resolve) => {
    let answer: string | undefined;
    rl.once("line", (l) => {
      answer = l;
      rl.close();
    });
    rl.once("close", () => resolve(answer));
  });
}

runCli(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
  prompt,
}).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
