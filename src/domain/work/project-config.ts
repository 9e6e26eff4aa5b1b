/**
 * A project's configuration: how many contractors answer each item, how long
 * a lease lasts, the skip and review policies, gold mixing and onboarding,
 * the daily cap and the abuse thresholds. Stored as JSON on the project and
 * parsed with this schema every time it is read, so a value that no longer
 * validates is an error, not a silent default.
 */
import { z } from "zod";
import { SealroomError, type FieldIssue } from "../errors.js";
import type { TemplateName } from "../templates/index.js";

export const SKIP_POLICIES = ["allowed", "reason_required", "not_allowed"] as const;
export type SkipPolicy = (typeof SKIP_POLICIES)[number];

const review = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("all") }),
  z.strictObject({ mode: z.literal("none") }),
  z.strictObject({ mode: z.literal("sample"), percent: z.number().min(0).max(100) }),
]);

const gold = z
  .strictObject({
    /** Share of a contractor's tasks that are gold once onboarding is over. */
    ratio: z.number().min(0).max(1).default(0.1),
    /** The first K tasks of each contractor are gold items. */
    onboarding: z.number().int().min(0).max(1000).default(0),
    /** Below this accuracy (once minAnswered gold items are scored) the contractor is paused on the project. */
    accuracyThreshold: z.number().min(0).max(1).default(0.6),
    minAnswered: z.number().int().min(1).max(1000).default(5),
  })
  .prefault({});

const abuse = z
  .strictObject({
    /** Item reads (claims, task views; heartbeats excluded) per contractor per minute. */
    readsPerMinute: z.number().int().min(1).max(10_000).default(30),
    /** Leases in a row without a submission before claims are throttled, and before the contractor is suspended. */
    throttleAfter: z.number().int().min(1).max(10_000).default(10),
    suspendAfter: z.number().int().min(1).max(10_000).default(25),
  })
  .prefault({})
  .refine((a) => a.suspendAfter > a.throttleAfter, { path: ["suspendAfter"], message: "must be greater than throttleAfter" });

/**
 * Model assist: the gateway model alias that drafts an answer per item;
 * whether contractors see that draft as a starting point (when false, the
 * drafts only feed the preference export and the lab's own comparisons); and
 * whether the running server drafts new items by itself (`auto`, the
 * default) or only when a lab admin asks for a run.
 */
const assist = z
  .strictObject({
    model: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:/-]+$/, "must be a gateway model alias"),
    showToContractors: z.boolean().default(false),
    auto: z.boolean().default(true),
  })
  .nullable();

/** Each field's own rules, without defaults: what a change (PATCH) may send. */
const fields = {
  /** Distinct contractors per (non-gold) item. */
  overlap: z.number().int().min(1).max(10),
  /** A lease lasts this long without a heartbeat. */
  leaseMinutes: z.number().int().min(1).max(24 * 60),
  skipPolicy: z.enum(SKIP_POLICIES),
  review,
  gold,
  /** Leases a contractor may take per UTC day on this project; null = no cap. */
  maxTasksPerDay: z.number().int().min(1).max(100_000).nullable(),
  abuse,
  assist,
};

export const projectConfigSchema = z.strictObject({
  overlap: fields.overlap.default(1),
  leaseMinutes: fields.leaseMinutes.default(30),
  skipPolicy: fields.skipPolicy.default("reason_required"),
  review: fields.review.default({ mode: "sample", percent: 20 }),
  gold: fields.gold,
  maxTasksPerDay: fields.maxTasksPerDay.default(null),
  abuse: fields.abuse,
  assist: fields.assist.default(null),
});

/** A change to some fields; nested objects (review, gold, abuse) are replaced as a whole. */
export const projectConfigPatchSchema = z.strictObject(fields).partial();

/** A validated project configuration, every field filled. */
export type ProjectConfig = z.infer<typeof projectConfigSchema>;
/** What a lab admin may send: any subset of the fields. */
export type ProjectConfigInput = z.input<typeof projectConfigSchema>;

/** Parses a configuration (as sent, or as stored) for `template`; config_invalid names every bad field. */
export function parseProjectConfig(template: TemplateName, value: unknown): ProjectConfig {
  const r = projectConfigSchema.safeParse(value ?? {});
  if (!r.success) {
    const issues: FieldIssue[] = r.error.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join(".") : "(config)", message: i.message }));
    throw new SealroomError("validation_failed", `The project configuration is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues });
  }
  // sft-writing answers are free text: several contractors writing the same item gives alternatives, not agreement.
  if (template === "sft-writing" && r.data.overlap > 3) {
    const issues = [{ path: "overlap", message: "sft-writing projects allow at most 3 writers per item" }];
    throw new SealroomError("validation_failed", "The project configuration is invalid: overlap: sft-writing projects allow at most 3 writers per item", { issues });
  }
  return r.data;
}

/** Whether an answer should go to review: every one, none, or a stable sample keyed by the assignment id. */
export function sampledForReview(config: ProjectConfig, sampleKey: number): boolean {
  if (config.review.mode === "all") return true;
  if (config.review.mode === "none") return false;
  return sampleKey % 10_000 < config.review.percent * 100;
}
