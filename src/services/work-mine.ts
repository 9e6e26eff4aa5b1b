/** A contractor's own tasks in a project (no item content: that is read only through the lease). */
import { listUserAssignments, type AssignmentRow } from "../store/repos/work.js";
import type { Services } from "./context.js";
import type { WorkContext } from "./work-access.js";

const OPEN_AND_PAST: readonly AssignmentRow["status"][] = ["leased", "paused", "submitted", "returned", "skipped", "expired"];

/** A page of the caller's tasks, newest first; `next` is the cursor (?before=) for the following page. */
export async function myTasks(s: Services, ctx: WorkContext, userId: string, status: AssignmentRow["status"] | null, before: string | null, limit: number) {
  const rows = await listUserAssignments(s.store.db, ctx.tenant.id, ctx.project.id, userId, status ? [status] : OPEN_AND_PAST, before, limit);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    tasks: rows.map((a) => ({
      id: a.id,
      status: a.status,
      leasedAt: iso(a.leased_at),
      expiresAt: a.status === "leased" ? iso(a.expires_at) : null,
      submittedAt: iso(a.submitted_at),
      answerVersion: a.answer_version,
      reviewStatus: a.review_status,
      activeSeconds: Math.round(a.active_ms / 1000),
      hasDraft: a.draft !== null,
    })),
    next: rows.length === limit ? rows.at(-1)!.id : null,
  };
}
