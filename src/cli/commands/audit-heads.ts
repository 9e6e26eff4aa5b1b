/** `sealroom audit sign-head` and `sealroom audit heads`: signed tree heads from the terminal. */
import { z } from "zod";
import { listHeads, signCurrentHead, type SignedHead } from "../../services/audit-heads.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { noPositionals } from "./audit-verify-inclusion.js";

const schema = z.object({ ...storeFlags, json: z.boolean().optional(), _: noPositionals });
const OPTIONS = { ...STORE_OPTIONS, json: { type: "boolean" } } as const;

/** One head as a line of text. */
export function headLine(h: SignedHead): string {
  return `size ${h.size}  root ${h.rootHash}  signed ${new Date(h.timestamp).toISOString()}  key ${h.keyId.slice(0, 16)}…`;
}

/** The `audit sign-head` command. */
export const auditSignHead: Command = {
  name: "audit sign-head",
  summary: "Sign the audit log's current tree head now",
  help: `Usage: sealroom audit sign-head [--json]

Signs (tree size, root hash, time) with the installation's Ed25519 key and
keeps the head, unless the newest head already covers every entry. The
running server does this every SEALROOM_AUDIT_HEAD_INTERVAL_SECONDS too.
Refuses (exit 1) if the log no longer extends the last signed head.

Options:
  --json                print {created, head}
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, OPTIONS, schema);
    const r = await withServices(configFrom(flags), (s) => signCurrentHead(s));
    if (flags.json) io.out(`${JSON.stringify({ created: r.created, head: r.head ?? null })}\n`);
    else if (!r.head) io.out("The audit log is empty: nothing to sign.\n");
    else io.out(`${r.created ? "Signed" : "Already signed, nothing new"}: ${headLine(r.head)}\n`);
    return 0;
  },
};

/** The `audit heads` command. */
export const auditHeads: Command = {
  name: "audit heads",
  summary: "List the signed audit tree heads",
  help: `Usage: sealroom audit heads [--json]

Lists every signed tree head, oldest first.

Options:
  --json                print a JSON array
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, OPTIONS, schema);
    const heads = await withServices(configFrom(flags), (s) => listHeads(s));
    if (flags.json) io.out(`${JSON.stringify(heads)}\n`);
    else io.out(heads.length ? `${heads.map(headLine).join("\n")}\n` : "No signed heads yet (sealroom audit sign-head signs one).\n");
    return 0;
  },
};
