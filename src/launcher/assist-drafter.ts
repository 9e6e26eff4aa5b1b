/**
 * Drafts model-assist answers in the background while the server runs: every
 * `intervalMs`, each active project whose configuration names an assist
 * model with `auto` on gets a run of up to `batch` items (runAssist: the
 * project's own key, metered, audited as Sealroom's own action). A project
 * with more to draft is visited again after `busyMs`, so an import of
 * thousands of items is drafted steadily without one project starving the
 * others.
 *
 * A project is left alone for a while when drafting cannot progress: the
 * gateway refused its key (budget, rate, pause: 10 intervals), every call of
 * a run failed (doubling from one interval up to an hour), or the gateway is
 * not there. Paused and archived projects are skipped. Nothing here throws:
 * failures are logged, and stop() waits for a run in flight so the store is
 * not closed under it.
 */
import { isSealroomError } from "../domain/errors.js";
import { SYSTEM, type Services } from "../services/context.js";
import { runAssist, type AssistRunResult } from "../services/work-assist.js";
import { workContext } from "../services/work-access.js";
import { pausedReason } from "../services/work-pause.js";
import { projectsWithAssist } from "../store/repos/projects.js";
import { findTenant } from "../store/repos/tenants.js";

export interface AssistDrafterOptions {
  /** Between passes over the projects; 0 turns the drafter off. */
  readonly intervalMs: number;
  /** Items per project per run. */
  readonly batch?: number;
  /** Before the next pass when a project had more to draft. */
  readonly busyMs?: number;
}

export interface AssistDrafter {
  /** Clears the timer and waits for a pass in flight. */
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 60 * 60_000;

/** Starts the background drafter; see the file comment. */
export function startAssistDrafter(s: Services, o: AssistDrafterOptions): AssistDrafter {
  if (o.intervalMs <= 0) return { stop: async () => {} };
  const batch = o.batch ?? 50;
  const busyMs = o.busyMs ?? Math.min(1000, o.intervalMs);
  /** Per project: not before this time, and the last backoff (for doubling). */
  const resting = new Map<string, { until: number; ms: number }>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<boolean> | undefined;
  let stopped = false;

  const rest = (projectId: string, ms: number) => resting.set(projectId, { until: Date.now() + ms, ms });

  /** One run for one project; true when it has more to draft now. */
  async function visit(tenantId: string, projectId: string): Promise<boolean> {
    const r = resting.get(projectId);
    if (r && Date.now() < r.until) return false;
    const tenant = await findTenant(s.store.db, tenantId);
    if (!tenant) return false;
    const ctx = await workContext(s, tenant, projectId);
    if (!ctx.config.assist?.auto || ctx.project.status !== "active" || pausedReason(ctx.tenant, ctx.project) !== null) return false;
    let result: AssistRunResult;
    try {
      result = await runAssist(s, ctx, { limit: batch, caller: SYSTEM });
    } catch (e) {
      // The gateway is not running or not reachable, or the project changed under us: try again later.
      rest(projectId, 10 * o.intervalMs);
      s.log.warn("assist drafting skipped", { tenant: tenant.slug, project: ctx.project.slug, error: isSealroomError(e) ? e.message : "unexpected error" });
      return false;
    }
    if (result.attempted > 0) s.log.info("assist drafts", { tenant: tenant.slug, project: ctx.project.slug, ok: result.ok, invalid: result.invalid, failed: result.failed, more: result.more });
    if (result.stoppedBy !== null) {
      rest(projectId, 10 * o.intervalMs);
      s.log.warn("assist drafting paused for this project: the gateway refused its key", { tenant: tenant.slug, project: ctx.project.slug, stoppedBy: result.stoppedBy });
      return false;
    }
    if (result.attempted > 0 && result.failed === result.attempted) {
      rest(projectId, Math.min(MAX_BACKOFF_MS, Math.max(o.intervalMs, 2 * (resting.get(projectId)?.ms ?? 0))));
      return false;
    }
    resting.delete(projectId);
    return result.more;
  }

  async function pass(): Promise<boolean> {
    let more = false;
    for (const p of await projectsWithAssist(s.store.db)) {
      if (stopped) break;
      try {
        if (await visit(p.tenant_id, p.id)) more = true;
      } catch (e) {
        rest(p.id, 10 * o.intervalMs);
        s.log.error("assist drafting failed", { project: p.id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return more;
  }

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = pass().catch((e: unknown) => {
        s.log.error("assist drafting failed", { error: e instanceof Error ? e.message : String(e) });
        return false;
      });
      void inFlight.then((more) => {
        inFlight = undefined;
        schedule(more ? busyMs : o.intervalMs);
      });
    }, ms);
    timer.unref();
  };
  schedule(busyMs);
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
