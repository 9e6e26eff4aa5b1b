/**
 * `sealroom audit verify-consistency`: an auditor's offline check that a
 * later tree head extends an earlier one, i.e. the log was only appended to
 * (RFC 9162 §2.1.4.2). Every argument is attacker-controlled and validated
 * before any hashing.
 */
import { z } from "zod";
import { verifyConsistency } from "../../audit/merkle.js";
import type { CliIo, Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { countArg, hashArg, noPositionals, proofArg } from "./audit-verify-inclusion.js";

const OPTIONS = {
  size1: { type: "string" },
  size2: { type: "string" },
  root1: { type: "string" },
  root2: { type: "string" },
  proof: { type: "string" },
} as const;

const schema = z
  .object({
    size1: countArg,
    size2: countArg,
    root1: hashArg,
    root2: hashArg,
    proof: proofArg,
    _: noPositionals,
  })
  .superRefine((args, ctx) => {
    if (args.size1 > args.size2) {
      ctx.addIssue({ code: "custom", path: ["size1"], message: `${args.size1} is greater than --size2 ${args.size2}` });
    }
  });

const HELP = `Usage: sealroom audit verify-consistency --size1 M --size2 N --root1 HEX --root2 HEX [--proof HEX,HEX,...]

Checks, offline, that the audit log's tree of N entries with root --root2
contains the tree of its first M entries with root --root1 unchanged, using an
RFC 6962 / RFC 9162 consistency proof (RFC 9162 section 2.1.4.2): nothing
recorded before was altered or removed. Needs no server and no key.

Options:
  --size1 M         number of entries in the earlier tree (M <= N)
  --size2 N         number of entries in the later tree
  --root1 HEX       root hash of the earlier tree, 64 hex characters
  --root2 HEX       root hash of the later tree, 64 hex characters
  --proof HEX,...   the proof's hashes in order, comma-separated; empty or
                    left out when M equals N (the roots must then be equal)
                    or when M is 0 (root1 must then be the empty tree's root)
  -h, --help        show this help

Exit status: 0 and "ok" when the proof holds; 1 with the reason when it does
not; 2 when an argument is malformed.

Example (RFC 6962 test vector: the 2-leaf tree inside the 5-leaf tree):
  sealroom audit verify-consistency --size1 2 --size2 5 \\
    --root1 fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125 \\
    --root2 4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4 \\
    --proof 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b
`;

/** The `audit verify-consistency` command. */
export const auditVerifyConsistency: Command = {
  name: "audit verify-consistency",
  summary: "Check an RFC 6962 consistency proof offline",
  help: HELP,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseCommandArgs(argv, OPTIONS, schema);
    const result = verifyConsistency(args.size1, args.size2, args.proof, args.root1, args.root2);
    if (result.ok) {
      io.out("ok\n");
      return 0;
    }
    io.err(`sealroom audit verify-consistency: proof rejected: ${result.reason}\n`);
    return 1;
  },
};
