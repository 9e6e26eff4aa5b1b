/**
 * The contractor's side of the queue: claim, read, heartbeat, draft, skip,
 * submit. Signed-in people only (the work is a person's), and only the task
 * currently leased to the caller can be opened: there is no list or search of
 * items for contractors.
 */
import { isoTime as iso } from "../../domain/time.js";
import { z } from "zod";
import { claimNext, heartbeat, saveDraft, skipTask, viewTask, type TaskView } from "../../services/work-queue.js";
import { submitTask } from "../../services/work-submit.js";
import { myAnswer, myTasks } from "../../services/work-mine.js";
import { json, route } from "../route.js";
import { workFor } from "../work-access.js";

const BASE = "/api/tenants/:tenant/projects/:project/tasks";

function presentTask(t: TaskView) {
  return {
    id: t.assignmentId,
    status: t.status,
    leasedAt: iso(t.leasedAt),
    expiresAt: iso(t.expiresAt),
    activeSeconds: Math.round(t.activeMs / 1000),
    template: t.template,
    guidelinesVersion: t.guidelinesVersion,
    item: t.item,
    draft: t.draft,
    // The model's draft to correct, apart from the contractor's own draft; null unless the project shows it.
    assist: t.assist,
  };
}

export const taskRoutes = [
  route({
    method: "POST",
    path: `${BASE}/claim`,
    auth: "session",
    summary: "Lease the next task (or get back the one you hold); {task: null} when the queue has nothing for you.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      const r = await claimNext(s, ctx, userId, caller);
      return json(r.task ? { task: presentTask(r.task) } : { task: null, reason: r.reason });
    },
  }),
  route({
    method: "GET",
    path: BASE,
    auth: "session",
    summary: "Your own tasks in this project by status (no item content), newest first (keyset: ?before=id).",
    query: z.strictObject({ status: z.enum(["leased", "paused", "submitted", "returned", "skipped", "expired"]).optional(), before: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(200).optional() }),
    handle: async ({ s, params, principal, query }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      return json(await myTasks(s, ctx, userId, query.status ?? null, query.before ?? null, query.limit ?? 50));
    },
  }),
  route({
    method: "GET",
    path: `${BASE}/:id`,
    auth: "session",
    summary: "Open the task leased to you (or returned to you for revision); audited as an item read.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      return json({ task: presentTask(await viewTask(s, ctx, userId, params["id"]!, caller)) });
    },
  }),
  route({
    method: "GET",
    path: `${BASE}/:id/answer`,
    auth: "session",
    summary: "Your own latest answer to one of your tasks (a reviewer's fix shows as a later version); audited.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      return json({ answer: await myAnswer(s, ctx, userId, params["id"]!, caller) });
    },
  }),
  route({
    method: "POST",
    path: `${BASE}/:id/heartbeat`,
    auth: "session",
    summary: "Keep the lease alive while the page is open (every 30 s); extends it by the project's lease length.",
    handle: async ({ s, params, principal, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      const r = await heartbeat(s, ctx, userId, params["id"]!, caller);
      return json({ expiresAt: iso(r.expiresAt), activeSeconds: Math.round(r.activeMs / 1000) });
    },
  }),
  route({
    method: "POST",
    path: `${BASE}/:id/draft`,
    auth: "session",
    summary: "Save a draft of the answer (sealed); allowed while work is paused.",
    body: z.strictObject({ draft: z.record(z.string(), z.unknown()) }),
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      const r = await saveDraft(s, ctx, userId, params["id"]!, body.draft, caller);
      return json({ savedAt: iso(r.savedAt) });
    },
  }),
  route({
    method: "POST",
    path: `${BASE}/:id/skip`,
    auth: "session",
    summary: "Skip the task under the project's skip policy; the item goes back to the queue for others.",
    body: z.strictObject({ reason: z.string().max(2000).optional() }),
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      await skipTask(s, ctx, userId, params["id"]!, body.reason, caller);
      return json({ ok: true });
    },
  }),
  route({
    method: "POST",
    path: `${BASE}/:id/submit`,
    auth: "session",
    summary: "Submit the answer: checked against the template (errors per field), sealed, immutable; a revision after rejection is a new version.",
    body: z.strictObject({ answer: z.unknown() }),
    handle: async ({ s, params, principal, body, caller }) => {
      const { ctx, userId } = await workFor(s, principal, params, "tenant.work");
      const r = await submitTask(s, ctx, userId, params["id"]!, body.answer, caller);
      return json({ answerId: r.answerId, version: r.version, activeSeconds: Math.round(r.activeMs / 1000), reviewPending: r.reviewPending }, 201);
    },
  }),
];
