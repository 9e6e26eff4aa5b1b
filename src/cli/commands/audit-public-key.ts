/** `sealroom audit public-key`: the Ed25519 key that signs the audit log's tree heads. */
import { z } from "zod";
import { publicSigningKey } from "../../services/audit-heads.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";
import { noPositionals } from "./audit-verify-inclusion.js";

/** The `audit public-key` command. */
export const auditPublicKey: Command = {
  name: "audit public-key",
  summary: "Print the public key that signs audit tree heads",
  help: `Usage: sealroom audit public-key [--json]

Prints the installation's Ed25519 public key (PEM) and its key id (hex
SHA-256 of the DER public key). The same key is served at
GET /.well-known/sealroom-audit-key. The key pair is created on first use;
its private half is sealed under the master key.

Options:
  --json                print {algorithm, keyId, publicKeyPem}
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, { ...STORE_OPTIONS, json: { type: "boolean" } }, z.object({ ...storeFlags, json: z.boolean().optional(), _: noPositionals }));
    const k = await withServices(configFrom(flags), (s) => publicSigningKey(s));
    io.out(flags.json ? `${JSON.stringify(k)}\n` : `algorithm: ${k.algorithm}\nkey id:    ${k.keyId}\n${k.publicKeyPem.endsWith("\n") ? k.publicKeyPem : `${k.publicKeyPem}\n`}`);
    return 0;
  },
};
