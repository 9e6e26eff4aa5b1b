/** Parsing request bodies and queries with zod into typed values, with errors that name the field. */
import type { Context } from "hono";
import type { z } from "zod";
import { SealroomError, type FieldIssue } from "../domain/errors.js";
import { readBodyText } from "./body.js";
import type { AppEnv } from "./route.js";

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join(".") : "(body)", message: i.message }));
}

/** Reads (at most `limitBytes`) and validates a JSON body (unknown fields are rejected by the strict schemas). */
export async function parseBody<B>(c: Context<AppEnv>, schema: z.ZodType<B>, limitBytes: number): Promise<B> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new SealroomError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  const text = await readBodyText(c, limitBytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SealroomError("bad_request", "The body is not valid JSON.");
  }
  return check(schema, raw, "The body has invalid fields");
}

/** Validates the query string. */
export function parseQuery<Q>(c: Context<AppEnv>, schema: z.ZodType<Q>): Q {
  return check(schema, c.req.query(), "The query string has invalid parameters");
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = issuesOf(r.error);
  const first = issues[0];
  throw new SealroomError("validation_failed", `${what}: ${first ? `${first.path}: ${first.message}` : "invalid"}.`, { issues });
}
