/** `sealroom audit verify`: recompute the whole audit tree from the stored entries and check every signed head. */
import { z } from "zod";
import { verifyAuditLog } from "../../services/audit-verify.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { noPositionals } from "./audit-verify-inclusion.js";

/** The `audit verify` command. */
export const auditVerify: Command = {
  name: "audit verify",
  summary: "Check the whole audit log against its stored hashes and signed heads",
  help: `Usage: sealroom audit verify [--json]

Reads every audit entry in seq order (in batches: memory stays bounded),
recomputes each leaf and the whole RFC 6962 tree, checks that no seq is
missing or added, that every stored subtree hash matches, and that the root
at every signed head's size equals the signed root under a valid Ed25519
signature.

Exit status: 0 and a summary when everything holds; 1 naming the first bad
sequence number (or head) and what is wrong.

Options:
  --json                print the report as JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, { ...STORE_OPTIONS, json: { type: "boolean" } }, z.object({ ...storeFlags, json: z.boolean().optional(), _: noPositionals }));
    const r = await withServices(configFrom(flags), (s) => verifyAuditLog(s));
    if (flags.json) {
      io.out(`${JSON.stringify(r)}\n`);
      return r.ok ? 0 : 1;
    }
    if (r.ok) {
      const head = r.latestHead ? `newest at size ${r.latestHead.size}, signed ${new Date(r.latestHead.timestamp).toISOString()}` : "none signed yet";
      io.out(`audit log ok: ${r.entries} entries, root ${r.rootHash}; ${r.headsChecked} signed head(s) checked (${head}).\n`);
      return 0;
    }
    const p = r.problem!;
    const where = p.seq !== null ? `first bad seq ${p.seq}` : `head at size ${p.headSize ?? "?"}`;
    io.err(`sealroom audit verify: TAMPERED (${where}): ${p.message} [${p.kind}]\n`);
    return 1;
  },
};
