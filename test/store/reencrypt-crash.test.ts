/**
 * A crash in the middle of re-encryption, for real: `sealroom keys rotate
 * --reencrypt --batch 10` runs as its own process against this test's
 * database and key file, and is killed with SIGKILL right after its first
 * progress line. Every value must still open, some on the old version and
 * some on the new; running the same command again resumes (no new rotation)
 * and finishes, retiring the old version.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readKeyVersion } from "../../src/seal/envelope.js";
import { TERMINAL } from "../../src/services/context.js";
import { importItems } from "../../src/services/import.js";
import { createProject } from "../../src/services/projects.js";
import { createTenant } from "../../src/services/tenants.js";
import { sqlDataKeyStore } from "../../src/store/repos/data-keys.js";
import { listItemsPage } from "../../src/store/repos/items.js";
import { chunks, jsonl } from "../support/items.js";
import { makeServices, type TestContext } from "../support/services.js";

const ROOT = resolve(import.meta.dirname, "../..");
const ITEMS = 3000;

let t: TestContext;
let tenantId: string;
let projectId: string;

beforeAll(async () => {
  t = await makeServices({}, { keyFile: true });
  const tenant = await createTenant(t.s, { slug: "lab", name: "Lab" }, TERMINAL);
  tenantId = tenant.id;
  projectId = (await t.s.store.transaction((tx) => createProject(t.s, tx, tenant.id, { slug: "sft", name: "SFT", template: "sft-writing" }, TERMINAL))).id;
  const items = Array.from({ length: ITEMS }, (_, i) => ({ id: `i-${i}`, prompt: `Write about topic ${i}.` }));
  await importItems(t.s, { tenant: "lab", project: "sft" }, chunks(jsonl(items), 1 << 16), { format: "jsonl", fileName: "f.jsonl", skipInvalid: false }, TERMINAL);
});
afterAll(async () => t.close());

function cli(args: readonly string[], killOn?: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bin.ts", ...args, ...t.cliArgs], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", SEALROOM_LOG_LEVEL: "warn" },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
    if (killOn && killOn.test(err)) child.kill("SIGKILL");
  });
  return new Promise((done) => child.once("exit", (code, signal) => done({ code, signal, out, err })));
}

/** Opens every item; returns how many sit on each data-key version. */
async function versions(): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  let after = 0;
  for (;;) {
    const rows = await listItemsPage(t.s.store.db, tenantId, projectId, after, 500);
    if (rows.length === 0) return counts;
    for (const row of rows) {
      const item = JSON.parse(await t.s.sealer.openText({ tenantId, table: "items", rowId: row.id, field: "payload" }, row.payload));
      expect(item.id).toBe(`i-${row.seq - 1}`);
      const v = readKeyVersion(row.payload);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    after = rows[rows.length - 1]!.seq;
  }
}

describe("re-encryption killed midway (SIGKILL)", () => {
  it("leaves every value readable, and the same command resumes and completes", { timeout: 120_000 }, async () => {
    const killed = await cli(["keys", "rotate", "--tenant", "lab", "--reencrypt", "--batch", "10"], /[1-9][\d,]* values/);
    expect(killed.signal, killed.err).toBe("SIGKILL");
    const mid = await versions();
    expect((mid[1] ?? 0) + (mid[2] ?? 0)).toBe(ITEMS);
    expect(mid[2], "some values had moved when the process was killed").toBeGreaterThan(0);
    expect(mid[1], "the process was killed before it finished").toBeGreaterThan(0);
    const running = await t.s.store.db.selectFrom("key_rotations").selectAll().where("tenant_id", "=", tenantId).execute();
    expect(running.map((r) => [r.status, r.target_version])).toEqual([["running", 2]]);

    const again = await cli(["keys", "rotate", "--tenant", "lab", "--reencrypt", "--batch", "500"]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Resumed the unfinished re-encryption/);
    expect(again.out).toMatch(/onto v2; retired v1/);
    expect(await versions()).toEqual({ 2: ITEMS });
    const keys = await sqlDataKeyStore(t.s.store.db).list(tenantId);
    expect(keys.map((k) => [k.version, k.status])).toEqual([[0, "index"], [1, "retired"], [2, "active"]]);
  });
});
