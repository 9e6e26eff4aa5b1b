/**
 * `sealroom gateway …`: the LLM gateway from the operator's terminal.
 * Provider keys are read from a file (never argv, which other users can see
 * in ps), and virtual keys are printed once. A running `sealroom start`
 * picks up changes within a second.
 */
import { lstatSync, readFileSync } from "node:fs";
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { TERMINAL } from "../../services/context.js";
import { addDeployment } from "../../services/gateway-deployments.js";
import { createGatewayKey, revokeGatewayKeyById } from "../../services/gateway-keys.js";
import { tenantUsage } from "../../services/gateway-usage.js";
import { getTenant } from "../../services/tenants.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";

const MAX_KEY_FILE_BYTES = 8192;
const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Reads a provider key file: a regular file (not a symlink) that only its
 * owner can read, one line; the trailing newline is dropped.
 */
export function readKeyFile(path: string): Buffer {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    throw new SealroomError("bad_request", `--key-file: cannot read ${path}.`);
  }
  if (!st.isFile()) throw new SealroomError("bad_request", `--key-file: ${path} must be a regular file (not a link).`);
  if (st.mode & 0o077) throw new SealroomError("bad_request", `--key-file: ${path} is readable by others; run chmod 600 ${path} first.`);
  if (st.size === 0 || st.size > MAX_KEY_FILE_BYTES) throw new SealroomError("bad_request", `--key-file: ${path} must hold one key (1 to ${MAX_KEY_FILE_BYTES} bytes).`);
  const raw = readFileSync(path);
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
  const key = Buffer.from(raw.subarray(0, end));
  raw.fill(0);
  return key;
}

/** "30d", "12h", "90m", "45s", "2w" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text);
  if (!m) throw new SealroomError("bad_request", "--expires: use a number and a unit, e.g. 30d, 12h, 90m.");
  return Number(m[1]) * UNITS[m[2]!]!;
}

const money = z.coerce.number().min(0).max(1e9);
const count = z.coerce.number().int().min(1).max(1_000_000_000);

/** `sealroom gateway deployment add`. */
export const gatewayDeploymentAddCommand: Command = {
  name: "gateway deployment add",
  summary: "Add a provider deployment for a model alias (key read from a file)",
  help: `Usage: sealroom gateway deployment add --tenant T --alias ALIAS --provider openai|anthropic
         --base-url URL --model UPSTREAM_MODEL --key-file FILE [options]

Adds a deployment: calls to ALIAS by the tenant's gateway keys go to the
provider at URL as UPSTREAM_MODEL. Several deployments of one alias are tried
in order (the first chosen by weight), falling back when one fails. The
provider key is read from FILE (mode 0600, one line), sealed at once, and
never shown again (only its last four characters).

Base URLs: OpenAI-style ones end in /v1 (https://api.openai.com/v1); an
Anthropic one does not (https://api.anthropic.com).

Options:
  --tenant T            tenant slug or id
  --alias ALIAS         the name clients put in "model"
  --provider P          openai or anthropic
  --base-url URL        the provider's API root
  --model M             the provider's model name
  --key-file FILE       file holding the provider key
  --weight W            share of first attempts (default 1; 0 = fallback only)
  --pass-header NAME    client header to pass to this provider (repeatable), e.g. anthropic-beta
  --price-in X          USD per million prompt tokens for this model
  --price-out X         USD per million completion tokens for this model
  --json                print the deployment as JSON
  --data-dir DIR        data folder (env SEALROOM_DATA_DIR, default ./data)
  --database-url URL    postgres://… to use PostgreSQL (env SEALROOM_DATABASE_URL)
  --master-key-file P   master key file (env SEALROOM_KEY_FILE); here --key-file is the provider key
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      {
        "data-dir": { type: "string" },
        "database-url": { type: "string" },
        "master-key-file": { type: "string" },
        tenant: { type: "string" },
        alias: { type: "string" },
        provider: { type: "string" },
        "base-url": { type: "string" },
        model: { type: "string" },
        "key-file": { type: "string" },
        weight: { type: "string" },
        "pass-header": { type: "string", multiple: true },
        "price-in": { type: "string" },
        "price-out": { type: "string" },
        json: { type: "boolean" },
      },
      z.object({
        "data-dir": z.string().min(1).optional(),
        "database-url": z.string().min(1).optional(),
        "master-key-file": z.string().min(1).optional(),
        tenant: z.string().min(1),
        alias: z.string().min(1).max(200),
        provider: z.enum(["openai", "anthropic"]),
        "base-url": z.string().min(1).max(2000),
        model: z.string().min(1).max(200),
        "key-file": z.string().min(1),
        weight: z.coerce.number().min(0).max(1_000_000).optional(),
        "pass-header": z.array(z.string().min(1).max(100)).max(32).optional(),
        "price-in": money.optional(),
        "price-out": money.optional(),
        json: z.boolean().optional(),
        _: z.array(z.string()).max(0),
      }),
    );
    const apiKey = readKeyFile(flags["key-file"]);
    // --key-file is the provider key here (the contract), so the master key file comes from --master-key-file.
    const config = configFrom({ "data-dir": flags["data-dir"], "database-url": flags["database-url"], "key-file": flags["master-key-file"] });
    const row = await withServices(config, async (s) => {
      const tenant = await getTenant(s, flags.tenant).catch((e: unknown) => {
        apiKey.fill(0);
        throw e;
      });
      return addDeployment(
        s,
        tenant.id,
        "terminal",
        {
          alias: flags.alias,
          provider: flags.provider,
          baseUrl: flags["base-url"],
          model: flags.model,
          apiKey,
          ...(flags.weight !== undefined ? { weight: flags.weight } : {}),
          ...(flags["pass-header"] ? { passHeaders: flags["pass-header"] } : {}),
          ...(flags["price-in"] !== undefined ? { inputPerMTok: flags["price-in"] } : {}),
          ...(flags["price-out"] !== undefined ? { outputPerMTok: flags["price-out"] } : {}),
        },
        TERMINAL,
      );
    });
    const shown = { id: row.id, alias: row.alias, provider: row.provider, baseUrl: row.base_url, model: row.model, weight: row.weight, keyLastFour: row.last_four };
    io.out(flags.json ? `${JSON.stringify(shown)}\n` : `Deployment ${row.id} added: ${row.alias} → ${row.provider} ${row.model} at ${row.base_url} (key …${row.last_four}).\n`);
    return 0;
  },
};

/** `sealroom gateway key create`. */
export const gatewayKeyCreateCommand: Command = {
  name: "gateway key create",
  summary: "Create a gateway virtual key (printed once)",
  help: `Usage: sealroom gateway key create --tenant T [--project P] --models ALIAS[,ALIAS…]
         [--rpm N] [--tpm N] [--budget-usd X] [--budget-usd-month X] [--expires DURATION] [--json]

Creates a virtual key (sk-sr-…) for the tenant's gateway and prints it once;
only its hash is stored. Use it as the api key of the OpenAI or Anthropic SDK
with the gateway's URL as base URL.

Options:
  --tenant T              tenant slug or id
  --project P             bind the key to a project (slug or id): paused with it
  --models A,B            aliases the key may call
  --rpm N                 requests per minute
  --tpm N                 tokens per minute
  --budget-usd X          USD per UTC day
  --budget-usd-month X    USD per UTC month
  --expires DURATION      lifetime, e.g. 30d, 12h, 90m (default: no expiry)
  --name NAME             a label for the key
  --json                  print {id, key, …} as JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      {
        ...STORE_OPTIONS,
        tenant: { type: "string" },
        project: { type: "string" },
        models: { type: "string" },
        rpm: { type: "string" },
        tpm: { type: "string" },
        "budget-usd": { type: "string" },
        "budget-usd-month": { type: "string" },
        expires: { type: "string" },
        name: { type: "string" },
        json: { type: "boolean" },
      },
      z.object({
        ...storeFlags,
        tenant: z.string().min(1),
        project: z.string().min(1).optional(),
        models: z.string().min(1).max(20_000),
        rpm: count.optional(),
        tpm: count.optional(),
        "budget-usd": money.optional(),
        "budget-usd-month": money.optional(),
        expires: z.string().min(2).max(10).optional(),
        name: z.string().max(100).optional(),
        json: z.boolean().optional(),
        _: z.array(z.string()).max(0),
      }),
    );
    const expiresInMs = flags.expires === undefined ? undefined : parseDuration(flags.expires);
    const { row, secret } = await withServices(configFrom(flags), async (s) => {
      const tenant = await getTenant(s, flags.tenant);
      return createGatewayKey(
        s,
        tenant.id,
        "terminal",
        {
          models: flags.models.split(",").map((m) => m.trim()).filter(Boolean),
          ...(flags.project ? { projectId: flags.project } : {}),
          ...(flags.rpm !== undefined ? { rpm: flags.rpm } : {}),
          ...(flags.tpm !== undefined ? { tpm: flags.tpm } : {}),
          ...(flags["budget-usd"] !== undefined ? { budgetUsdDay: flags["budget-usd"] } : {}),
          ...(flags["budget-usd-month"] !== undefined ? { budgetUsdMonth: flags["budget-usd-month"] } : {}),
          ...(expiresInMs !== undefined ? { expiresInMs } : {}),
          ...(flags.name ? { name: flags.name } : {}),
        },
        TERMINAL,
      );
    });
    const models = JSON.parse(row.models) as string[];
    if (flags.json) io.out(`${JSON.stringify({ id: row.id, key: secret, tenantId: row.tenant_id, projectId: row.project_id, models, expiresAt: row.expires_at === null ? null : new Date(row.expires_at).toISOString() })}\n`);
    else io.out(`Gateway key ${row.id} created for ${models.join(", ")}.\nKey (shown once): ${secret}\n`);
    return 0;
  },
};

/** `sealroom gateway key revoke`. */
export const gatewayKeyRevokeCommand: Command = {
  name: "gateway key revoke",
  summary: "Revoke a gateway virtual key",
  help: `Usage: sealroom gateway key revoke KEY_ID

Revokes the key; the gateway refuses it from its next request (a running
sealroom start picks the change up within a second).

Options:
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(argv, { ...STORE_OPTIONS }, z.object({ ...storeFlags, _: z.array(z.string().min(1).max(200)).length(1, "name the key id to revoke") }));
    const id = flags._[0]!;
    await withServices(configFrom(flags), (s) => revokeGatewayKeyById(s, id, TERMINAL));
    io.out(`Gateway key ${id} revoked.\n`);
    return 0;
  },
};

/** `sealroom gateway usage`. */
export const gatewayUsageCommand: Command = {
  name: "gateway usage",
  summary: "Gateway usage of a tenant per day and alias",
  help: `Usage: sealroom gateway usage --tenant T [--days N] [--json]

Calls, errors, tokens and cost per UTC day and alias over the last N days
(default 30).

Options:
  --tenant T            tenant slug or id
  --days N              how many days back, today included
  --json                print JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, days: { type: "string" }, json: { type: "boolean" } },
      z.object({ ...storeFlags, tenant: z.string().min(1), days: z.coerce.number().int().min(1).max(366).optional(), json: z.boolean().optional(), _: z.array(z.string()).max(0) }),
    );
    const rows = await withServices(configFrom(flags), async (s) => tenantUsage(s, (await getTenant(s, flags.tenant)).id, flags.days ?? 30));
    const shown = rows.map((u) => ({ date: new Date(u.day * 86_400_000).toISOString().slice(0, 10), alias: u.alias, calls: u.calls, errors: u.errors, promptTokens: u.promptTokens, completionTokens: u.completionTokens, costUsd: Math.round(u.costUsd * 1e6) / 1e6 }));
    if (flags.json) io.out(`${JSON.stringify(shown)}\n`);
    else if (shown.length === 0) io.out("No gateway calls in this period.\n");
    else {
      const lines = shown.map((u) => `${u.date}  ${(u.alias ?? "-").padEnd(24)} ${String(u.calls).padStart(8)} ${String(u.errors).padStart(7)} ${String(u.promptTokens).padStart(11)} ${String(u.completionTokens).padStart(11)} ${u.costUsd.toFixed(4).padStart(12)}`);
      io.out(`${"date".padEnd(10)}  ${"alias".padEnd(24)} ${"calls".padStart(8)} ${"errors".padStart(7)} ${"prompt tok".padStart(11)} ${"compl tok".padStart(11)} ${"cost USD".padStart(12)}\n${lines.join("\n")}\n`);
    }
    return 0;
  },
};
