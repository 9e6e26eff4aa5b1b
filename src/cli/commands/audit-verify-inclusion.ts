/**
 * `sealroom audit verify-inclusion`: an auditor's offline check that an
 * entry is in the log at a given tree head (RFC 9162 §2.1.3.2). Every
 * argument is attacker-controlled and validated before any hashing.
 */
import { z } from "zod";
import { verifyInclusion } from "../../audit/merkle.js";
import type { CliIo, Command } from "../command.js";
import { parseCommandArgs } from "../command.js";

const HEX_HASH = /^[0-9a-fA-F]{64}$/;
/** More hashes than any tree of 2^53 - 1 leaves needs; longer input is refused unread. */
const MAX_PROOF_HASHES = 128;

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`),
});

/** A 32-byte hash given as exactly 64 hex characters (either case). */
export const hashArg = z
  .string(required("64 hex characters"))
  .regex(HEX_HASH, "must be exactly 64 hex characters")
  .transform((hex) => Buffer.from(hex, "hex"));

/** A tree size or leaf index: a decimal non-negative safe integer. */
export const countArg = z
  .string(required("a non-negative integer"))
  .regex(/^[0-9]+$/, "must be a non-negative integer")
  .transform(Number)
  .refine(Number.isSafeInteger, "must be at most 9007199254740991");

/** A proof: comma-separated hashes; empty or absent means the empty proof. */
export const proofArg = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text === "") return [];
    const parts = text.split(",");
    if (parts.length > MAX_PROOF_HASHES) {
      ctx.addIssue({ code: "custom", message: `has ${parts.length} hashes; at most ${MAX_PROOF_HASHES} are accepted` });
      return z.NEVER;
    }
    const bad = parts.findIndex((p) => !HEX_HASH.test(p));
    if (bad >= 0) {
      ctx.addIssue({ code: "custom", message: `hash ${bad + 1} must be exactly 64 hex characters` });
      return z.NEVER;
    }
    return parts.map((p) => Buffer.from(p, "hex"));
  });

/** Positional arguments are not accepted. */
export const noPositionals = z.array(z.string()).max(0, "none are accepted");

const OPTIONS = {
  "leaf-hash": { type: "string" },
  index: { type: "string" },
  size: { type: "string" },
  root: { type: "string" },
  proof: { type: "string" },
} as const;

const schema = z
  .object({
    "leaf-hash": hashArg,
    index: countArg,
    size: countArg,
    root: hashArg,
    proof: proofArg,
    _: noPositionals,
  })
  .superRefine((args, ctx) => {
    if (args.index >= args.size) {
      ctx.addIssue({ code: "custom", path: ["index"], message: `${args.index} is not below --size ${args.size}` });
    }
  });

const HELP = `Usage: sealroom audit verify-inclusion --leaf-hash HEX --index I --size N --root HEX [--proof HEX,HEX,...]

Checks, offline, that the entry whose leaf hash is HEX sits at position I of
the audit log's Merkle tree of N entries with root --root, using an RFC 6962 /
RFC 9162 inclusion proof (RFC 9162 section 2.1.3.2). Needs no server and no key.

Options:
  --leaf-hash HEX   SHA-256(0x00 || entry bytes), 64 hex characters
  --index I         0-based position of the entry in the log
  --size N          number of entries in the tree the root belongs to (I < N)
  --root HEX        root hash of that tree, 64 hex characters
  --proof HEX,...   sibling hashes from the leaf upwards, comma-separated;
                    empty or left out when N is 1
  -h, --help        show this help

Exit status: 0 and "ok" when the proof holds; 1 with the reason when it does
not; 2 when an argument is malformed.

Example (RFC 6962 test vector: leaf 2 of a 3-leaf tree):
  sealroom audit verify-inclusion \\
    --leaf-hash 0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7 \\
    --index 2 --size 3 \\
    --root aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77 \\
    --proof fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125
`;

/** The `audit verify-inclusion` command. */
export const auditVerifyInclusion: Command = {
  name: "audit verify-inclusion",
  summary: "Check an RFC 6962 inclusion proof offline",
  help: HELP,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseCommandArgs(argv, OPTIONS, schema);
    const result = verifyInclusion(args["leaf-hash"], args.index, args.size, args.proof, args.root);
    if (result.ok) {
      io.out("ok\n");
      return 0;
    }
    io.err(`sealroom audit verify-inclusion: proof rejected: ${result.reason}\n`);
    return 1;
  },
};
