/** GET /api/openapi.json: the API described from the route table itself (see ../openapi.ts). */
import { readFileSync } from "node:fs";
import { buildOpenApi, type JsonSchema } from "../openapi.js";
import { json, route, type RouteSpec } from "../route.js";

// package.json sits three folders up from both src/http/routes and dist/http/routes.
const PACKAGE_JSON = new URL("../../../package.json", import.meta.url);

/** The package version, so the document names the release that serves it. */
function packageVersion(): string {
  try {
    const v: unknown = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")).version;
    return typeof v === "string" ? v : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * The route serving the document for the routes `getRoutes` returns (a
 * function, so app.ts can list this route in the table it describes). The
 * document is built on first request and kept: the table is fixed at start.
 */
export function openapiRoute(getRoutes: () => readonly RouteSpec[]): RouteSpec<undefined, undefined> {
  let doc: JsonSchema | undefined;
  return route({
    method: "GET",
    path: "/api/openapi.json",
    auth: "public",
    summary: "This API as an OpenAPI 3.1 document, generated from the schemas the server validates requests with.",
    handle: async () => {
      doc ??= buildOpenApi(getRoutes(), {
        title: "Sealroom API",
        version: packageVersion(),
        description: "Sign in with POST /api/auth/login (session cookie; writes echo the CSRF token), or send an API token as a Bearer header.",
      });
      return json(doc);
    },
  });
}
