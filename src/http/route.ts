/**
 * The route table. Each route declares who may call it (public, a signed-in
 * person, or any authenticated actor including API tokens), whether it may
 * run before MFA is complete, and the schemas of its body and query. The app
 * registers routes from this table only, so authentication and validation
 * cannot be skipped by a handler, and the matrix test can enumerate them.
 */
import type { Context } from "hono";
import { z } from "zod";
import { SealroomError } from "../domain/errors.js";
import type { Actor } from "../domain/policy.js";
import type { Caller, RequestMeta, Services } from "../services/context.js";
import type { ResolvedSession } from "../services/sessions.js";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** Who is calling: a browser session, or a program with an API token. */
export type Principal =
  | { readonly kind: "session"; readonly token: string; readonly resolved: ResolvedSession }
  | { readonly kind: "token"; readonly actor: Extract<Actor, { kind: "token" }> };

export type AppEnv = {
  Variables: { requestId: string; principal: Principal | undefined; meta: RequestMeta };
};

export interface HandlerInput<B, Q> {
  readonly c: Context<AppEnv>;
  readonly s: Services;
  readonly body: B;
  readonly query: Q;
  readonly params: Readonly<Record<string, string>>;
  readonly meta: RequestMeta;
  /** The audit identity of the request (anonymous on public routes). */
  readonly caller: Caller;
  /** Set on every route except public ones. */
  readonly principal: Principal | undefined;
}

export type Auth = "public" | "session" | "actor";

export interface RouteSpec<B = unknown, Q = unknown> {
  readonly method: Method;
  readonly path: string;
  /** public: anyone; session: a signed-in person; actor: a person or an API token. */
  readonly auth: Auth;
  /** Runs before the second factor is complete (sign-in and enrolment steps). */
  readonly mfaExempt?: boolean;
  readonly body?: z.ZodType<B>;
  /**
   * The handler reads the raw body itself as a stream (imports): the app's
   * buffering body limit is not applied, and the handler must apply its own
   * (see streamedBody in ./stream-body.ts).
   */
  readonly streamBody?: true;
  readonly query?: z.ZodType<Q>;
  readonly summary: string;
  handle(input: HandlerInput<B, Q>): Promise<Reply>;
}

/** Declares a route with its types inferred from its schemas. */
export function route<B = undefined, Q = undefined>(spec: RouteSpec<B, Q>): RouteSpec<B, Q> {
  return spec;
}

/** The principal as a browser session; unauthenticated for anything else (routes declared auth: "session"). */
export function sessionOf(p: Principal | undefined): Extract<Principal, { kind: "session" }> {
  if (!p || p.kind !== "session") throw new SealroomError("unauthenticated", "Sign in first.");
  return p;
}

/** The actor behind a principal. */
export function actorOf(p: Principal): Actor {
  return p.kind === "session" ? p.resolved.actor : p.actor;
}

/** What a handler returns; the pipeline sends it as JSON (with any cookies the handler set on `c`). */
export interface Reply {
  readonly status: 200 | 201 | 503;
  readonly data: unknown;
}

/** A JSON reply. */
export function json(data: unknown, status: Reply["status"] = 200): Reply {
  return { status, data };
}
