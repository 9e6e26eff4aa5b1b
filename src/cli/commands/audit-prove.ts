/**
 * `sealroom audit prove-inclusion` / `prove-consistency`: proofs from the
 * stored log, printed with the exact `audit verify-*` command that checks
 * them offline, so an auditor can paste it anywhere without trusting us.
 */
import { z } from "zod";
import { signCurrentHead, latestHead } from "../../services/audit-heads.js";
import { proveConsistency, proveInclusion, type ConsistencyAnswer, type InclusionAnswer } from "../../services/audit-proofs.js";
import type { Services } from "../../services/context.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { countArg, noPositionals } from "./audit-verify-inclusion.js";

const proofFlag = (proof: readonly string[]): string => (proof.length ? ` --proof ${proof.join(",")}` : "");
const headNote = (h: { timestamp: number; keyId: string } | null): string =>
  h ? `signed head at this size (signed ${new Date(h.timestamp).toISOString()}, key ${h.keyId.slice(0, 16)}…)` : "no signed head at this size";

/** The verify-inclusion command line for an answer. */
export function inclusionCommand(p: InclusionAnswer): string {
  return `sealroom audit verify-inclusion --leaf-hash ${p.leafHash} --index ${p.index} --size ${p.size} --root ${p.rootHash}${proofFlag(p.proof)}`;
}

/** The verify-consistency command line for an answer. */
export function consistencyCommand(p: ConsistencyAnswer): string {
  return `sealroom audit verify-consistency --size1 ${p.size1} --size2 ${p.size2} --root1 ${p.root1} --root2 ${p.root2}${proofFlag(p.proof)}`;
}

/** Without --size, prove against the newest signed head, signing one now if none covers the index. */
async function inclusionFor(s: Services, index: number, size: number | undefined): Promise<InclusionAnswer> {
  if (size === undefined) {
    const head = await latestHead(s);
    if (!head || index >= head.size) await signCurrentHead(s);
  }
  return proveInclusion(s, index, size);
}

/** The `audit prove-inclusion` command. */
export const auditProveInclusion: Command = {
  name: "audit prove-inclusion",
  summary: "Print an RFC 9162 inclusion proof for one audit entry",
  help: `Usage: sealroom audit prove-inclusion --index I [--size N] [--json]

Proves that the entry at leaf index I (its seq minus 1) is in the audit
log's tree of N entries, and prints the sealroom audit verify-inclusion
command that checks the proof offline.

Options:
  --index I             0-based leaf index (seq - 1)
  --size N              tree size (default: the newest signed head, signing
                        one now if none covers I yet)
  --json                print the proof as JSON, with the verify command
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, index: { type: "string" }, size: { type: "string" }, json: { type: "boolean" } },
      z.object({ ...storeFlags, index: countArg, size: countArg.optional(), json: z.boolean().optional(), _: noPositionals }),
    );
    const p = await withServices(configFrom(flags), (s) => inclusionFor(s, flags.index, flags.size));
    const command = inclusionCommand(p);
    if (flags.json) io.out(`${JSON.stringify({ ...p, verifyCommand: command })}\n`);
    else {
      io.out(
        `Entry seq ${p.index + 1} (leaf index ${p.index}) is in the tree of ${p.size} entries.\n` +
          `root ${p.rootHash}: ${headNote(p.signedHead)}\n\nCheck it offline:\n  ${command}\n`,
      );
    }
    return 0;
  },
};

/** The `audit prove-consistency` command. */
export const auditProveConsistency: Command = {
  name: "audit prove-consistency",
  summary: "Print an RFC 9162 consistency proof between two tree sizes",
  help: `Usage: sealroom audit prove-consistency --size1 M --size2 N [--json]

Proves that the audit log's tree of M entries is a prefix of its tree of N
entries (nothing was changed or removed in between), and prints the
sealroom audit verify-consistency command that checks the proof offline.

Options:
  --size1 M             the older tree size
  --size2 N             the newer tree size (M <= N <= entries in the log)
  --json                print the proof as JSON, with the verify command
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, size1: { type: "string" }, size2: { type: "string" }, json: { type: "boolean" } },
      z
        .object({ ...storeFlags, size1: countArg, size2: countArg, json: z.boolean().optional(), _: noPositionals })
        .refine((f) => f.size1 <= f.size2, { path: ["size1"], message: "must not be greater than --size2" }),
    );
    const p = await withServices(configFrom(flags), (s) => proveConsistency(s, flags.size1, flags.size2));
    const command = consistencyCommand(p);
    if (flags.json) io.out(`${JSON.stringify({ ...p, verifyCommand: command })}\n`);
    else {
      io.out(
        `The tree of ${p.size1} entries is a prefix of the tree of ${p.size2} entries.\n` +
          `root1 ${p.root1}: ${headNote(p.signedHead1)}\nroot2 ${p.root2}: ${headNote(p.signedHead2)}\n\nCheck it offline:\n  ${command}\n`,
      );
    }
    return 0;
  },
};
