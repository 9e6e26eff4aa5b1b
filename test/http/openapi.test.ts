/**
 * GET /api/openapi.json: the document is generated from the route table, so
 * these tests compare it with ROUTES and the zod schemas themselves; a route
 * or a body field added without appearing in the document fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { formatFromContentType } from "../../src/formats/read.js";
import { IMPORT_FORMATS } from "../../src/formats/records.js";
import { ROUTES } from "../../src/http/app.js";
import { buildOpenApi, errorEnvelopeSchema, openApiPath, pathParams, STREAM_BODY_TYPES } from "../../src/http/openapi.js";
import { json, route, type RouteSpec } from "../../src/http/route.js";
import { client, type Client } from "../support/http.js";
import { makeServices, type TestContext } from "../support/services.js";

type Json = { [key: string]: any };

let t: TestContext;
let c: Client;
let doc: Json;
beforeAll(async () => {
  t = await makeServices();
  c = client(t.s);
  const r = await c.get("/api/openapi.json");
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^application\/json/);
  doc = r.body;
});
afterAll(async () => t.close());

const opOf = (spec: RouteSpec): Json => doc.paths[openApiPath(spec.path)]?.[spec.method.toLowerCase()];
const routeOf = (method: string, path: string): RouteSpec => ROUTES.find((r) => r.method === method && r.path === path)!;

/** The property-name lists of an object schema, or of each branch of a union of objects (zod side). */
function zodKeys(schema: z.ZodType, where: string): string[][] {
  if (schema instanceof z.ZodObject) return [Object.keys(schema.shape).sort()];
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap((o) => zodKeys(o, where));
  throw new Error(`${where}: teach this test how to list the fields of a ${schema.constructor.name}`);
}

/** The same lists from the generated JSON Schema. */
function jsonKeys(schema: Json): string[][] {
  if (schema["properties"]) return [Object.keys(schema["properties"]).sort()];
  const branches = schema["anyOf"] ?? schema["oneOf"];
  return Array.isArray(branches) ? branches.flatMap(jsonKeys) : [];
}

/** Resolves a local JSON pointer ("#/components/schemas/Error") in `root`. */
function resolve(ref: string, root: Json = doc): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refsIn(x, out));
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "$ref" && typeof x === "string") out.push(x);
      else refsIn(x, out);
    }
  }
  return out;
}

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document with one operation per route", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    const documented = Object.entries(doc.paths as Json).flatMap(([path, ops]) => Object.keys(ops as Json).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
    for (const spec of ROUTES) {
      const op = opOf(spec);
      expect(op, `${spec.method} ${spec.path}`).toBeDefined();
      expect(op.summary).toBe(spec.summary);
      expect(op.tags).toHaveLength(1);
    }
    expect(Object.keys(doc.paths).filter((p) => p.includes(":"))).toEqual([]);
  });

  it("has unique operationIds", () => {
    const ids = ROUTES.map((r) => opOf(r).operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^(get|post|patch|delete)[A-Za-z0-9]+$/);
  });

  it("declares every path parameter as a required string", () => {
    for (const spec of ROUTES) {
      const declared = ((opOf(spec).parameters ?? []) as Json[]).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name), `${spec.method} ${spec.path}`).toEqual(pathParams(spec.path));
      for (const p of declared) expect(p).toMatchObject({ required: true, schema: { type: "string" } });
    }
    expect(pathParams("/api/tenants/:tenant/members/:userId")).toEqual(["tenant", "userId"]);
  });

  it("documents the login body from its zod schema, unknown fields refused", () => {
    const spec = routeOf("POST", "/api/auth/login");
    const schema = opOf(spec).requestBody.content["application/json"].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(zodKeys(spec.body!, "login")[0]);
    expect(schema.properties.email).toMatchObject({ type: "string", minLength: 3, maxLength: 320 });
    expect(schema.required.sort()).toEqual(["email", "password"]);
    expect(schema.additionalProperties).toBe(false);
    expect(opOf(spec).requestBody.required).toBe(true);
  });

  it("lists every body field of every route (a field added to a schema must appear)", () => {
    const withBody = ROUTES.filter((r) => r.body);
    expect(withBody.length).toBeGreaterThan(5);
    for (const spec of withBody) {
      const where = `${spec.method} ${spec.path}`;
      const schema = opOf(spec).requestBody?.content?.["application/json"]?.schema;
      expect(schema, where).toBeDefined();
      expect(jsonKeys(schema), where).toEqual(zodKeys(spec.body!, where));
    }
    for (const spec of ROUTES.filter((r) => !r.body && !r.streamBody)) expect(opOf(spec).requestBody, `${spec.method} ${spec.path}`).toBeUndefined();
  });

  it("lists every query parameter of every route, required as the schema says", () => {
    const withQuery = ROUTES.filter((r) => r.query);
    expect(withQuery.length).toBeGreaterThan(3);
    for (const spec of withQuery) {
      const where = `${spec.method} ${spec.path}`;
      const query = ((opOf(spec).parameters ?? []) as Json[]).filter((p) => p.in === "query");
      expect([query.map((p) => p.name).sort()], where).toEqual(zodKeys(spec.query!, where));
    }
    const inclusion = opOf(routeOf("GET", "/api/audit/proofs/inclusion")).parameters as Json[];
    expect(inclusion.find((p) => p.name === "index")).toMatchObject({ in: "query", required: true, schema: { type: "string" } });
    expect(inclusion.find((p) => p.name === "size")).toMatchObject({ in: "query", required: false });
    const usage = opOf(routeOf("GET", "/api/tenants/:tenant/gateway/usage")).parameters as Json[];
    expect(usage.find((p) => p.name === "days")).toMatchObject({ required: false, schema: { default: 30 } });
  });

  it("documents the streamed import body by content type, each one an import format", () => {
    const spec = ROUTES.find((r) => r.streamBody)!;
    expect(Object.keys(opOf(spec).requestBody.content).sort()).toEqual([...STREAM_BODY_TYPES].sort());
    const formats = STREAM_BODY_TYPES.map((type) => formatFromContentType(type));
    expect(formats.sort()).toEqual([...IMPORT_FORMATS].sort());
  });

  it("states who may call each operation", () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearer", "csrf", "session"]);
    expect(doc.components.securitySchemes.session).toEqual(expect.objectContaining({ type: "apiKey", in: "cookie", name: "sealroom_session" }));
    expect(doc.components.securitySchemes.csrf).toEqual(expect.objectContaining({ type: "apiKey", in: "header", name: "x-csrf-token" }));
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    for (const spec of ROUTES) {
      const session = spec.method === "GET" ? { session: [] } : { session: [], csrf: [] };
      const want = spec.auth === "public" ? [] : spec.auth === "session" ? [session] : [session, { bearer: [] }];
      expect(opOf(spec).security, `${spec.method} ${spec.path}`).toEqual(want);
    }
  });

  it("resolves every $ref, and errors point at the shared Error response", () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resolve(ref), ref).toBeDefined();
    for (const spec of ROUTES) {
      const responses = opOf(spec).responses as Json;
      expect(responses["4XX"]).toEqual({ $ref: "#/components/responses/Error" });
      expect(responses["5XX"]).toEqual({ $ref: "#/components/responses/Error" });
      expect(Object.keys(responses).some((k) => k.startsWith("2"))).toBe(true);
    }
  });

  it("describes the error envelope the server really sends", async () => {
    const invalid = await c.post("/api/auth/login", { email: "x", password: "p", extra: 1 });
    expect(invalid.status).toBe(400);
    expect(errorEnvelopeSchema.parse(invalid.body).error.details.issues?.length).toBeGreaterThan(0);
    const missing = await c.get("/api/no-such-endpoint");
    expect(missing.status).toBe(404);
    expect(() => errorEnvelopeSchema.parse(missing.body)).not.toThrow();
    const schema = doc.components.schemas.Error;
    expect(schema.required).toEqual(["error"]);
    expect(Object.keys(schema.properties.error.properties).sort()).toEqual(["code", "details", "message"]);
  });

  it("is built once and served the same way again", async () => {
    const again = await client(t.s).get("/api/openapi.json");
    expect(again.body).toEqual(doc);
    expect(again.headers.get("cache-control")).toBe("no-store");
  });
});

describe("buildOpenApi", () => {
  const info = { title: "t", version: "0.0.0" };

  it("moves a recursive schema's $defs into components, so its $refs resolve from the document root", () => {
    const node = z.strictObject({
      name: z.string(),
      get children(): z.ZodOptional<z.ZodArray<typeof node>> {
        return z.array(node).optional();
      },
    });
    const built = buildOpenApi([route({ method: "POST", path: "/api/trees/:id", auth: "actor", summary: "x", body: node, handle: async () => json({}) })], info);
    const refs = refsIn(built);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith("#/$defs/"), ref).toBe(false);
      expect(resolve(ref, built), ref).toBeDefined();
    }
  });

  it("refuses a query schema that is not an object, and two routes with one operationId", () => {
    const query = z.union([z.strictObject({ a: z.string() }), z.strictObject({ b: z.string() })]);
    expect(() => buildOpenApi([route({ method: "GET", path: "/api/q", auth: "public", summary: "q", query, handle: async () => json({}) })], info)).toThrow(/must be an object/);
    const twin = (path: string) => route({ method: "GET", path, auth: "public", summary: "t", handle: async () => json({}) });
    expect(() => buildOpenApi([twin("/api/a-b"), twin("/api/a/b")], info)).toThrow(/operationId/);
  });
});
