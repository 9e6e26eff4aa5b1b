/**
 * The Hono app. Every request runs the same pipeline: request id → body
 * limit → authenticate → MFA gate → CSRF → validate → handler, and every
 * error leaves through errors.ts. Routes come only from the route table.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { SealroomError } from "../domain/errors.js";
import { callerOf, type Services } from "../services/context.js";
import { assertCsrf, authenticate } from "./auth.js";
import { assertDeclaredLength } from "./body.js";
import { errorResponse, RESPONSE_HEADERS } from "./errors.js";
import { auditRoutes } from "./routes/audit.js";
import { authRoutes } from "./routes/auth.js";
import { gatewayRoutes } from "./routes/gateway.js";
import { healthRoutes } from "./routes/health.js";
import { importRoutes } from "./routes/imports.js";
import { invitationRoutes } from "./routes/invitations.js";
import { meRoutes } from "./routes/me.js";
import { openapiRoute } from "./routes/openapi.js";
import { tenantRoutes } from "./routes/tenants.js";
import { projectRoutes } from "./routes/projects.js";
import { taskRoutes } from "./routes/tasks.js";
import { reviewRoutes } from "./routes/review.js";
import { hoursRoutes } from "./routes/hours.js";
import { agreementRoutes } from "./routes/agreement.js";
import { assistRoutes } from "./routes/assist.js";
import { actorOf, type AppEnv, type Principal, type RouteSpec } from "./route.js";
import { parseBody, parseQuery } from "./validate.js";

/**
 * Every route the app serves; the authorization matrix test enumerates this.
 * Escape hatch: each spec is typed by its own schemas, so the heterogeneous
 * list erases them; register() only passes values those schemas produced.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ROUTES: ReadonlyArray<RouteSpec<any, any>> = [...healthRoutes, ...authRoutes, ...meRoutes, ...tenantRoutes, ...importRoutes, ...invitationRoutes, ...auditRoutes, ...gatewayRoutes, ...projectRoutes, ...taskRoutes, ...reviewRoutes, ...hoursRoutes, ...agreementRoutes, ...assistRoutes, openapiRoute(() => ROUTES)];

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The client address: the socket's, or, behind a trusted proxy, the
 * rightmost X-Forwarded-For entry: the one our proxy appended. Entries to its
 * left were written by the client and may be anything.
 */
function clientIp(c: Context<AppEnv>, s: Services): string {
  if (s.config.trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

async function gate(c: Context<AppEnv>, s: Services, spec: RouteSpec<unknown, unknown>): Promise<Principal | undefined> {
  const principal = await authenticate(c, s);
  const unsafe = !SAFE_METHODS.has(c.req.method);
  if (spec.auth === "public") {
    // A public route may use a session (accepting an invitation while signed in) only with a valid CSRF token.
    if (principal?.kind === "session" && unsafe) {
      try {
        assertCsrf(c, principal);
      } catch {
        return undefined;
      }
    }
    return principal;
  }
  if (!principal) throw new SealroomError("unauthenticated", "Sign in first (or send an API token as a Bearer header).");
  if (spec.auth === "session" && principal.kind !== "session") throw new SealroomError("forbidden", "This endpoint is for signed-in people, not API tokens.");
  if (principal.kind === "session" && !spec.mfaExempt) {
    const mfa = principal.resolved.mfa;
    if (mfa === "code_required") throw new SealroomError("mfa_required", "Enter the code from your authenticator app (POST /api/auth/mfa).");
    if (mfa === "enrolment_required") {
      throw new SealroomError("mfa_enrolment_required", "Your role requires two-factor authentication: enrol an authenticator app first (POST /api/me/mfa/totp/enroll).");
    }
  }
  if (unsafe) assertCsrf(c, principal);
  return principal;
}

function register(app: Hono<AppEnv>, s: Services, spec: RouteSpec<unknown, unknown>): void {
  const limit = s.config.bodyLimitBytes;
  app.on(spec.method, spec.path, async (c) => {
    // A declared length over the limit is refused before anything runs. Streaming routes count their own
    // bytes against their own limit (stream-body.ts); JSON bodies are counted as they are read (body.ts).
    if (!spec.streamBody) assertDeclaredLength(c, limit);
    const principal = await gate(c, s, spec);
    const body = spec.body ? await parseBody(c, spec.body, limit) : undefined;
    const query = spec.query ? parseQuery(c, spec.query) : undefined;
    const meta = c.get("meta");
    const caller = callerOf(principal ? actorOf(principal) : undefined, meta);
    const reply = await spec.handle({ c, s, body, query, params: c.req.param() as Record<string, string>, meta, caller, principal });
    // Set before the response exists, so the Node adapter can write it without rebuilding its headers.
    for (const [name, value] of Object.entries(RESPONSE_HEADERS)) c.header(name, value);
    c.header("x-request-id", meta.requestId);
    return c.json(reply.data, reply.status);
  });
}

/** Builds the HTTP app over `s`. */
export function createApp(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const requestId = randomUUID();
    const started = performance.now();
    c.set("requestId", requestId);
    c.set("meta", { requestId, ip: clientIp(c, s), userAgent: c.req.header("user-agent") ?? "" });
    await next();
    s.log.info("request", { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) });
  });
  for (const spec of ROUTES) register(app, s, spec);
  app.notFound((c) => errorResponse(new SealroomError("not_found", "No such endpoint."), c.get("requestId") ?? "-", s.log));
  app.onError((e, c) => errorResponse(e, c.get("requestId") ?? "-", s.log));
  return app;
}
