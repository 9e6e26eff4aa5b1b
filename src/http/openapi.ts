/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route table: the
 * request schemas in it are the zod schemas the handlers validate with
 * (converted by zod's own z.toJSONSchema), so the document cannot drift from
 * what the server accepts. Response bodies are documented generically (the
 * presenters are code, not schemas); errors share one envelope.
 */
import { z } from "zod";
import { CSRF_HEADER, SESSION_COOKIE } from "./auth.js";
import type { Method, RouteSpec } from "./route.js";

/** A JSON Schema (2020-12) object, as embedded in the document. */
export type JsonSchema = { [key: string]: unknown };

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

/** The error envelope errors.ts writes; the test parses real error replies with it. */
export const errorEnvelopeSchema = z.strictObject({
  error: z.strictObject({
    code: z.string().describe("Stable machine-readable code (src/domain/errors.ts ErrorCode)."),
    message: z.string().describe("For people; may change."),
    details: z
      .looseObject({
        issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional().describe("One entry per invalid field (validation_failed)."),
        retryAfterSeconds: z.number().int().min(0).optional(),
      })
      .describe("Code-specific details; an empty object for most codes."),
  }),
});

/**
 * What a streamBody route (imports) reads, by Content-Type: JSONL, CSV,
 * Label Studio tasks. The test checks each one names an import format.
 */
export const STREAM_BODY_TYPES = ["application/x-ndjson", "text/csv", "application/json"] as const;

const SAFE_METHODS: ReadonlySet<Method> = new Set<Method>(["GET"]);
const ERROR_REF = { $ref: "#/components/responses/Error" };

/**
 * zod → JSON Schema; io "input" for requests (what a client sends: before
 * transforms, defaults optional). Checks with no JSON Schema form (refine,
 * transform) are dropped, not guessed. $schema is dropped: OpenAPI 3.1's
 * default schema dialect is already JSON Schema 2020-12.
 */
function toSchema(schema: z.ZodType, io: "input" | "output" = "input"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

/** "/api/tenants/:tenant" → "/api/tenants/{tenant}". */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

/** The `:name` parameters of a route path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

const pascal = (word: string) => word.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");

/** "GET /api/tenants/:tenant/members" → "getApiTenantsByTenantMembers": deterministic, from method and path only. */
export function operationIdOf(method: Method, path: string): string {
  const parts = path.split("/").filter(Boolean).map((seg) => (seg.startsWith(":") ? `By${pascal(seg.slice(1))}` : pascal(seg)));
  return method.toLowerCase() + parts.join("");
}

/** The tag: the first path segment after /api (without an extension); "service" for paths outside /api (probes, well-known). */
export function tagOf(path: string): string {
  const segs = path.split("/").filter(Boolean);
  if (segs[0] !== "api" || !segs[1]) return "service";
  return segs[1].split(".")[0] || "service";
}

/**
 * Makes a converted schema's references valid inside the document, where "#"
 * is the document root, not the schema: its $defs move into
 * components.schemas (prefixed by the operation), and when it refers to
 * itself ("#", a recursive schema) it moves there whole and is referenced.
 */
function hoistDefs(schema: JsonSchema, prefix: string, components: Record<string, JsonSchema>): JsonSchema {
  const { $defs, ...rest } = schema;
  let selfReferenced = false;
  const target = (ref: string): string => {
    const def = /^#\/\$defs\/([^/]+)(.*)$/.exec(ref);
    if (def) return `#/components/schemas/${prefix}_${def[1]}${def[2]}`;
    selfReferenced = true;
    return `#/components/schemas/${prefix}${ref.slice(1)}`;
  };
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== "object") return v;
    const out: JsonSchema = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === "$ref" && typeof x === "string" && x.startsWith("#") ? target(x) : rewrite(x);
    return out;
  };
  if ($defs && typeof $defs === "object") {
    for (const [name, def] of Object.entries($defs)) components[`${prefix}_${name}`] = rewrite(def) as JsonSchema;
  }
  const root = rewrite(rest) as JsonSchema;
  if (!selfReferenced) return root;
  components[prefix] = root;
  return { $ref: `#/components/schemas/${prefix}` };
}

/** One query parameter per property of the (object) query schema; `required` from the schema's required list. */
function queryParameters(spec: RouteSpec, schema: JsonSchema): JsonSchema[] {
  const props = schema["properties"];
  if (schema["type"] !== "object" || !props || typeof props !== "object") {
    throw new Error(`${spec.method} ${spec.path}: a query schema must be an object (z.strictObject) to be documented as parameters`);
  }
  const required = new Set(Array.isArray(schema["required"]) ? (schema["required"] as unknown[]) : []);
  return Object.entries(props as Record<string, JsonSchema>).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: "query", required: required.has(name), schema: rest, ...(typeof description === "string" ? { description } : {}) };
  });
}

function parameters(spec: RouteSpec, prefix: string, components: Record<string, JsonSchema>): JsonSchema[] {
  const path = pathParams(spec.path).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
  const query = spec.query ? queryParameters(spec, hoistDefs(toSchema(spec.query), prefix, components)) : [];
  return [...path, ...query];
}

function requestBody(spec: RouteSpec, prefix: string, components: Record<string, JsonSchema>): JsonSchema | undefined {
  if (spec.streamBody) {
    const content = Object.fromEntries(STREAM_BODY_TYPES.map((t) => [t, { schema: { type: "string", format: "binary" } }]));
    return { required: true, description: "The raw file, streamed; its Content-Type (or ?format=) names the format.", content };
  }
  if (!spec.body) return undefined;
  return { required: true, content: { "application/json": { schema: hoistDefs(toSchema(spec.body), prefix, components) } } };
}

/** Who may call: public → nobody needed; session → the cookie (+ CSRF header on writes); actor → that, or a bearer API token. */
function security(spec: RouteSpec): JsonSchema[] {
  if (spec.auth === "public") return [];
  const session = SAFE_METHODS.has(spec.method) ? { session: [] } : { session: [], csrf: [] };
  return spec.auth === "session" ? [session] : [session, { bearer: [] }];
}

/**
 * The success status is not declared in the route table (handlers choose 200
 * or 201 at run time), so writes that may create something answer "2XX".
 */
function responses(spec: RouteSpec): JsonSchema {
  const success = { description: "Success: the route's JSON reply.", content: { "application/json": { schema: { type: "object" } } } };
  return { [spec.method === "POST" ? "2XX" : "200"]: success, "4XX": ERROR_REF, "5XX": ERROR_REF };
}

function operation(spec: RouteSpec, components: Record<string, JsonSchema>): JsonSchema {
  const operationId = operationIdOf(spec.method, spec.path);
  const params = parameters(spec, operationId, components);
  const body = requestBody(spec, operationId, components);
  return {
    operationId,
    summary: spec.summary,
    tags: [tagOf(spec.path)],
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    security: security(spec),
    responses: responses(spec),
  };
}

function componentsOf(schemas: Record<string, JsonSchema>): JsonSchema {
  return {
    schemas: { ...schemas, Error: toSchema(errorEnvelopeSchema, "output") },
    responses: {
      Error: {
        description: "An error: the stable code says what went wrong (see src/http/errors.ts for the status of each code).",
        headers: {
          "x-request-id": { description: "This request's id: quote it when reporting a 5xx.", schema: { type: "string" } },
          "retry-after": { description: "Seconds to wait (429).", schema: { type: "integer" } },
        },
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    },
    securitySchemes: {
      session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE, description: "Set by POST /api/auth/login." },
      csrf: { type: "apiKey", in: "header", name: CSRF_HEADER, description: "Writes with the session cookie must echo the csrfToken that login (and GET /api/me) return." },
      bearer: { type: "http", scheme: "bearer", description: "An API token (srt_…) created at POST /api/tenants/{tenant}/tokens." },
    },
  };
}

/** Builds the OpenAPI 3.1 document for `routes`; throws on two routes with the same method and path shape. */
export function buildOpenApi(routes: readonly RouteSpec[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const schemas: Record<string, JsonSchema> = {};
  const ids = new Set<string>();
  for (const spec of routes) {
    const op = operation(spec, schemas);
    const id = op["operationId"] as string;
    if (ids.has(id)) throw new Error(`OpenAPI: two routes share the operationId ${id} (${spec.method} ${spec.path})`);
    ids.add(id);
    (paths[openApiPath(spec.path)] ??= {})[spec.method.toLowerCase()] = op;
  }
  const tags = [...new Set(routes.map((r) => tagOf(r.path)))].sort().map((name) => ({ name }));
  return { openapi: "3.1.0", info: { ...info }, tags, paths, components: componentsOf(schemas) };
}
