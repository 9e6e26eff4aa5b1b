/**
 * `sealroom project create|pause|resume` and `sealroom tenant pause|resume`:
 * the lab-admin actions on projects from the server's terminal. The
 * configuration file is JSON, parsed by the same schema as the API's.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SealroomError } from "../../domain/errors.js";
import { slugSchema as slug } from "../../domain/slug.js";
import { TEMPLATES } from "../../domain/templates/index.js";
import { TERMINAL } from "../../services/context.js";
import { projectOf } from "../../services/project-admin.js";
import { createProject } from "../../services/projects.js";
import { getTenant } from "../../services/tenants.js";
import { MAX_PAUSE_REASON, pauseProject, pauseTenant, resumeProject, resumeTenant } from "../../services/work-pause.js";
import { parseCommandArgs, type Command } from "../command.js";
import { STORE_HELP, STORE_OPTIONS, configFrom, storeFlags, withServices } from "../common.js";

/** Reads a JSON configuration file; bad_request names the file and what is wrong. */
function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new SealroomError("bad_request", `--config: cannot read ${path}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SealroomError("bad_request", `--config: ${path} is not valid JSON (${e instanceof Error ? e.message : "parse error"})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SealroomError("bad_request", `--config: ${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}

const reason = z.string().trim().min(3, "--reason must be at least 3 characters").max(MAX_PAUSE_REASON);

export const projectCreateCommand: Command = {
  name: "project create",
  summary: "Create a project in a tenant",
  help: `Usage: sealroom project create --tenant T --slug S --template TEMPLATE [--name NAME] [--overlap N] [--config FILE] [--json]

Creates a project. Templates: ${TEMPLATES.join(", ")}.

Options:
  --tenant T            tenant slug or id
  --slug S              project slug (unique in the tenant)
  --template TEMPLATE   task template
  --name NAME           display name (default: the slug)
  --overlap N           distinct contractors per item (overrides the file)
  --config FILE         JSON configuration: overlap, leaseMinutes, skipPolicy,
                        review {mode: all|none|sample, percent}, gold {ratio,
                        onboarding, accuracyThreshold, minAnswered},
                        maxTasksPerDay, abuse {readsPerMinute, throttleAfter,
                        suspendAfter}; unknown fields are refused
  --json                print the project as JSON
${STORE_HELP}
`,
  async run(argv, io) {
    const flags = parseCommandArgs(
      argv,
      { ...STORE_OPTIONS, tenant: { type: "string" }, slug: { type: "string" }, template: { type: "string" }, name: { type: "string" }, overlap: { type: "string" }, config: { type: "string" }, json: { type: "boolean" } },
      z.object({
        ...storeFlags,
        tenant: z.string().min(1),
        slug,
        template: z.enum(TEMPLATES),
        name: z.string().trim().min(1).max(200).optional(),
        overlap: z.coerce.number().int().min(1).max(10).optional(),
        config: z.string().min(1).optional(),
        json: z.boolean().optional(),
        _: z.array(z.string()).max(0),
      }),
    );
    const config = { ...(flags.config ? readConfigFile(flags.config) : {}), ...(flags.overlap !== undefined ? { overlap: flags.overlap } : {}) };
    const p = await withServices(configFrom(flags), async (s) => {
      const tenant = await getTenant(s, flags.tenant);
      return s.store.transaction((tx) => createProject(s, tx, tenant.id, { slug: flags.slug, name: flags.name ?? flags.slug, template: flags.template, config }, TERMINAL));
    });
    io.out(flags.json ? `${JSON.stringify({ id: p.id, slug: p.slug, template: p.template, config: JSON.parse(p.config) as unknown })}\n` : `Project ${p.slug} (${p.template}) created (id ${p.id}).\n`);
    return 0;
  },
};

const projectFlags = { ...STORE_OPTIONS, tenant: { type: "string" }, project: { type: "string" }, reason: { type: "string" }, json: { type: "boolean" } } as const;

function projectPauseCommand(pause: boolean): Command {
  const verb = pause ? "pause" : "resume";
  return {
    name: `project ${verb}`,
    summary: pause ? "Pause a project (leases freeze; work answers 423 with the reason)" : "Resume a paused project",
    help: `Usage: sealroom project ${verb} --tenant T --project P${pause ? " --reason TEXT" : ""} [--json]

${pause ? "Pauses the project on the next request: open leases freeze with the time they\nhad left, claims and task reads answer 423 with the reason, submissions are\nkept as drafts, hours logging is refused; every refused attempt is recorded." : "Resumes the project: frozen leases get back the time they had left."}

Options:
  --tenant T            tenant slug or id
  --project P           project slug or id${pause ? "\n  --reason TEXT         shown to contractors (3 to 500 characters)" : ""}
  --json                print the outcome as JSON
${STORE_HELP}
`,
    async run(argv, io) {
      const flags = parseCommandArgs(
        argv,
        projectFlags,
        z.object({ ...storeFlags, tenant: z.string().min(1), project: z.string().min(1), reason: pause ? reason : z.undefined({ error: "--reason is only for pause" }).optional(), json: z.boolean().optional(), _: z.array(z.string()).max(0) }),
      );
      const r = await withServices(configFrom(flags), async (s) => {
        const tenant = await getTenant(s, flags.tenant);
        const project = await projectOf(s, tenant.id, flags.project);
        return pause ? pauseProject(s, project, flags.reason!, TERMINAL) : resumeProject(s, tenant, project, TERMINAL);
      });
      io.out(flags.json ? `${JSON.stringify(r)}\n` : pause ? `Project paused; ${"frozenLeases" in r ? r.frozenLeases : 0} open lease(s) frozen.\n` : `Project resumed; ${"thawedLeases" in r ? r.thawedLeases : 0} lease(s) thawed.\n`);
      return 0;
    },
  };
}

function tenantPauseCommand(pause: boolean): Command {
  const verb = pause ? "pause" : "resume";
  return {
    name: `tenant ${verb}`,
    summary: pause ? "Pause all work in a tenant" : "Resume a paused tenant",
    help: `Usage: sealroom tenant ${verb} TENANT${pause ? " --reason TEXT" : ""} [--json]

${pause ? "Pauses every project of the tenant at once (see `sealroom project pause`);\nits gateway keys are refused with 423 too." : "Resumes the tenant; projects paused on their own stay paused."}

Options:${pause ? "\n  --reason TEXT         shown to contractors (3 to 500 characters)" : ""}
  --json                print the outcome as JSON
${STORE_HELP}
`,
    async run(argv, io) {
      const flags = parseCommandArgs(
        argv,
        { ...STORE_OPTIONS, reason: { type: "string" }, json: { type: "boolean" } },
        z.object({ ...storeFlags, reason: pause ? reason : z.undefined({ error: "--reason is only for pause" }).optional(), json: z.boolean().optional(), _: z.array(z.string()).length(1, "name the tenant: sealroom tenant " + verb + " TENANT") }),
      );
      const r = await withServices(configFrom(flags), async (s) => {
        const tenant = await getTenant(s, flags._[0]!);
        return pause ? pauseTenant(s, tenant, flags.reason!, TERMINAL) : resumeTenant(s, tenant, TERMINAL);
      });
      io.out(flags.json ? `${JSON.stringify(r)}\n` : pause ? `Tenant paused; ${"frozenLeases" in r ? r.frozenLeases : 0} open lease(s) frozen.\n` : `Tenant resumed; ${"thawedLeases" in r ? r.thawedLeases : 0} lease(s) thawed.\n`);
      return 0;
    },
  };
}

export const projectPauseCommands: readonly Command[] = [projectPauseCommand(true), projectPauseCommand(false), tenantPauseCommand(true), tenantPauseCommand(false)];
