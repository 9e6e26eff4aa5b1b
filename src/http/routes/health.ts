/** Liveness and readiness probes. */
import { json, route } from "../route.js";

export const healthRoutes = [
  route({
    method: "GET",
    path: "/healthz",
    auth: "public",
    summary: "Liveness: the process answers.",
    handle: async () => json({ status: "ok" }),
  }),
  route({
    method: "GET",
    path: "/readyz",
    auth: "public",
    summary: "Readiness: the database answers.",
    handle: async ({ s }) => {
      try {
        await s.store.ping();
        return json({ status: "ready" });
      } catch {
        return json({ status: "unavailable", reason: "database not reachable" }, 503);
      }
    },
  }),
];
