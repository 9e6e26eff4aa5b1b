/**
 * POST /api/tenants/:tenant/projects/:project/imports over the in-process app
 * (both dialects): the format from Content-Type, a streamed body with its own
 * size limit (larger than the app's 1 MiB, enforced with and without a
 * Content-Length), errors by line, skipInvalid, and the import records list.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { createApiToken } from "../../src/services/api-tokens.js";
import { TERMINAL } from "../../src/services/context.js";
import { createProject, getProject } from "../../src/services/projects.js";
import { createTenant } from "../../src/services/tenants.js";
import type { TenantRow } from "../../src/store/repos/tenants.js";
import { claimCsv, claimItem, jsonl } from "../support/items.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
let tenant: TenantRow;
let token: string;
const PATH = "/api/tenants/lab/projects/claims/imports";

async function setup(importLimitBytes?: number): Promise<void> {
  t = await makeServices(importLimitBytes ? { importLimitBytes } : {});
  tenant = await createTenant(t.s, { slug: "lab", name: "Lab" }, TERMINAL);
  await t.s.store.transaction((tx) => createProject(t.s, tx, tenant.id, { slug: "claims", name: "Claims", template: "claim-verification" }, TERMINAL));
  token = (await createApiToken(t.s, tenant.id, "terminal", { name: "importer", role: "lab_admin", expiresInDays: 1 }, TERMINAL)).token;
}
afterEach(async () => t.close());

async function post(body: string | ReadableStream<Uint8Array>, type: string, query = "", headers: Record<string, string> = {}) {
  const res = await createApp(t.s).request(`http://127.0.0.1${PATH}${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": type, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as any };
}

const items = (n: number, prefix = "h") => Array.from({ length: n }, (_, i) => claimItem(`${prefix}-${i + 1}`));
const count = async () => (await getProject(t.s, tenant.id, "claims")).item_count;

describe("HTTP import", () => {
  beforeEach(async () => setup());

  it("imports JSONL and CSV by Content-Type; a second upload adds nothing", async () => {
    const r = await post(jsonl(items(3)), "application/x-ndjson", "?fileName=batch-1.jsonl");
    expect(r.status).toBe(201);
    expect(r.body.import).toMatchObject({ format: "jsonl", total: 3, imported: 3, skippedDuplicates: 0, status: "published" });
    expect((await post(jsonl(items(3)), "application/x-ndjson")).body.import).toMatchObject({ imported: 0, skippedDuplicates: 3 });
    expect((await post(claimCsv(items(2, "csv")), "text/csv; charset=utf-8")).body.import).toMatchObject({ format: "csv", imported: 2 });
    expect(await count()).toBe(5);
    const list = await createApp(t.s).request(`http://127.0.0.1${PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const records = ((await list.json()) as any).imports;
    expect(records.map((x: any) => [x.fileName, x.imported])).toEqual([
      ["upload.csv", 2],
      ["upload.jsonl", 0],
      ["batch-1.jsonl", 3],
    ]);
    expect(records[2].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a bad file answers 400 with every error by line and imports nothing; skipInvalid imports the rest", async () => {
    const lines = items(15).map((i) => JSON.stringify(i));
    lines[6] = "{not json";
    lines[11] = JSON.stringify({ ...claimItem("h-12"), claim: { language: "en" } });
    const bad = await post(lines.join("\n"), "application/x-ndjson");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    expect(bad.body.error.details.errors.map((e: any) => [e.line, e.path])).toEqual([
      [7, "(line)"],
      [12, "claim.text"],
    ]);
    expect(await count()).toBe(0);
    const skipped = await post(lines.join("\n"), "application/x-ndjson", "?skipInvalid=true");
    expect(skipped.status).toBe(201);
    expect(skipped.body.import).toMatchObject({ imported: 13, rejected: 2 });
    expect(skipped.body.import.rejectedLines.map((e: any) => e.line)).toEqual([7, 12]);
  });

  it("refuses a body it cannot name the format of, and unknown query parameters", async () => {
    expect((await post("x", "text/plain")).status).toBe(415);
    expect((await post(jsonl(items(1)), "application/x-ndjson", "?overwrite=true")).status).toBe(400);
  });

  it("takes a body larger than the app-wide 1 MiB limit", async () => {
    const big = jsonl(items(1500, "big"));
    expect(Buffer.byteLength(big)).toBeGreaterThan(t.s.config.bodyLimitBytes);
    const r = await post(big, "application/x-ndjson");
    expect([r.status, r.body.import?.imported]).toEqual([201, 1500]);
  });
});

describe("HTTP import limit", () => {
  beforeEach(async () => setup(64 * 1024));

  it("413 on a declared length over SEALROOM_IMPORT_LIMIT_BYTES, and on a chunked upload that runs over it; nothing is kept", async () => {
    const big = jsonl(items(100, "over"));
    expect(Buffer.byteLength(big)).toBeGreaterThan(64 * 1024);
    const declared = await post(big, "application/x-ndjson", "", { "content-length": String(Buffer.byteLength(big)) });
    expect([declared.status, declared.body.error.code]).toEqual([413, "payload_too_large"]);
    const bytes = Buffer.from(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
        controller.close();
      },
    });
    const chunked = await post(stream, "application/x-ndjson");
    expect([chunked.status, chunked.body.error.code]).toEqual([413, "payload_too_large"]);
    expect(await count()).toBe(0);
  });
});
