/** A contractor's own tasks in a project (no item content: that is read only through the lease) and their own answers. */
import { isoTimeOrNull as iso } from "../domain/time.js";
import { latestAnswer, listUserAssignments, type AssignmentRow } from "../store/repos/work.js";
import { eventBy, type Caller, type Services } from "./context.js";
import type { WorkContext } from "./work-access.js";
import { ownAssignment } from "./work-queue.js";
import { openAnswer } from "./work-submit.js";

const OPEN_AND_PAST: readonly AssignmentRow["status"][] = ["leased", "paused", "submitted", "returned", "skipped", "expired"];

/** A page of the caller's tasks, newest first; `next` is the cursor (?before=) for the following page. */
export async function myTasks(s: Services, ctx: WorkContext, userId: string, status: AssignmentRow["status"] | null, before: string | null, limit: number) {
  const rows = await listUserAssignments(s.store.db, ctx.tenant.id, ctx.project.id, userId, status ? [status] : OPEN_AND_PAST, before, limit);
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

/** The caller's own latest answer to one of their tasks (audited before it is opened); null before they submit. */
export async function myAnswer(s: Services, ctx: WorkContext, userId: string, assignmentId: string, caller: Caller) {
  const a = await ownAssignment(s, ctx, userId, assignmentId);
  const row = await latestAnswer(s.store.db, a.tenant_id, a.id);
  if (!row) return null;
  await s.store.transaction((tx) => s.audit.record(tx, eventBy(caller, { tenantId: a.tenant_id, action: "answer.read", objectType: "answer", objectId: row.id, detail: { projectId: a.project_id } })));
  return { id: row.id, version: row.version, kind: row.kind, submittedAt: new Date(row.created_at).toISOString(), answer: await openAnswer(s, row) };
}
