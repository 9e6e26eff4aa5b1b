/**
 * `sealroom agreement` and `sealroom export` in-process against this test's
 * database and key file (both dialects): the JSON report is the service's
 * report, the table shows every field, --no-bootstrap drops the CIs; export
 * writes pure JSONL to stdout (summary on stderr) or a new 0600 file, never
 * overwrites, leaves nothing behind when refused, and is audited.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";
import { agreementReport } from "../../src/services/work-agreement.js";
import { exportPage } from "../../src/services/work-export.js";
import { pauseProject, resumeProject } from "../../src/services/work-pause.js";
import { claimNext } from "../../src/services/work-queue.js";
import { submitTask } from "../../src/services/work-submit.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItems, seedWork, type WorkWorld } from "../support/work.js";

let t: TestContext;
let w: WorkWorld;
const dir = mkdtempSync(join(tmpdir(), "sealroom-cli-agreement-"));
const LABELS: Record<string, string[]> = { "it-0": ["positive", "positive", "positive"], "it-1": ["negative", "positive", "negative"], "it-2": ["neutral", "neutral", "negative"] };

beforeAll(async () => {
  t = await makeServices({}, { keyFile: true });
  w = await seedWork(t.s, { slug: "lab", config: { overlap: 3, review: { mode: "none" } }, items: classItems(3), contractors: 3 });
  await seedWork(t.s, { slug: "other", items: classItems(1), contractors: 1 });
  const used = new Map<string, number>();
  for (const c of w.contractors) {
    for (let task = (await claimNext(t.s, await w.ctx(), c, w.as(c))).task; task; task = (await claimNext(t.s, await w.ctx(), c, w.as(c))).task) {
      const item = /^Text of ([^:]+):/.exec(String(task.item["text"]))![1]!;
      const n = used.get(item) ?? 0;
      used.set(item, n + 1);
      await submitTask(t.s, await w.ctx(), c, task.assignmentId, { label: LABELS[item]![n]! }, w.as(c));
    }
  }
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]) {
  const io: CliIo & { stdout: string; stderr: string } = { stdout: "", stderr: "", isTTY: false, out: (s) => void (io.stdout += s), err: (s) => void (io.stderr += s) };
  const code = await runCli([...argv, ...t.cliArgs], io);
  return { code, out: io.stdout, err: io.stderr };
}

const auditOf = (action: string) => t.s.store.db.selectFrom("audit_entries").selectAll().where("action", "=", action).orderBy("seq").execute();

describe("sealroom agreement", () => {
  it("--json prints the service's report; the table lists each field with alpha, CI and units; the read is audited", async () => {
    const json = await run(["agreement", "--tenant", "lab", "--project", "p", "--json"]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out);
    expect(report).toEqual(JSON.parse(JSON.stringify(await agreementReport(t.s, await w.ctx(), { bootstrap: true }, w.as(w.admin)))));
    expect(report.counts).toEqual({ items: 3, itemsWithOverlap: 3, answers: 9, coders: 3, truncated: false });
    const f = report.fields[0];
    expect(f.alpha).toBeGreaterThan(0);
    expect(f.alpha).toBeLessThan(1);

    const table = await run(["agreement", "--tenant", "lab", "--project", "p"]);
    expect(table.code).toBe(0);
    const row = table.out.split("\n").find((l) => l.startsWith("label "))!;
    expect(row).toMatch(new RegExp(`^label\\s+nominal\\s+${f.alpha.toFixed(3)}\\s+\\[${f.ci95.lower.toFixed(3)}, ${f.ci95.upper.toFixed(3)}\\]\\s+3$`));
    expect(table.out).toContain("Fleiss' kappa");
    expect(table.out).toContain("Cohen's kappa is for exactly two coders; 3 answered");

    const fast = await run(["agreement", "--tenant", "lab", "--project", "p", "--no-bootstrap", "--json"]);
    expect(JSON.parse(fast.out)).toMatchObject({ bootstrap: null, fields: [{ field: "label", alpha: f.alpha, ci95: null }] });
    expect((await run(["agreement", "--tenant", "lab", "--project", "p", "--no-bootstrap"])).out).toMatch(/^label\s+nominal\s+\S+\s+not computed/m);

    const reads = await auditOf("agreement.read");
    expect(reads.filter((e) => e.actor_id === "cli").map((e) => [e.tenant_id, e.object_id])).toEqual(Array(4).fill([w.tenantId, w.projectId]));
  });

  it("refuses bad arguments (exit 2) and unknown tenants or projects (exit 1); --help explains", async () => {
    const missing = await run(["agreement", "--tenant", "lab"]);
    expect([missing.code, missing.err]).toEqual([2, "sealroom agreement: --project: is required (project slug or id)\n"]);
    expect((await run(["agreement", "--tenant", "lab", "--project", "p", "extra"])).code).toBe(2);
    expect((await run(["agreement", "--tenant", "lab", "--project", "p", "--bootstrap"])).code).toBe(2);
    const nope = await run(["agreement", "--tenant", "nope", "--project", "p"]);
    expect([nope.code, nope.err]).toEqual([1, "sealroom agreement: No such tenant.\n"]);
    expect((await run(["export", "--tenant", "lab", "--project", "nope"])).code).toBe(1);
    let helpText = "";
    const help = await runCli(["export", "--help"], { out: (s) => void (helpText += s), err: () => undefined, isTTY: false });
    expect(help).toBe(0);
    expect(helpText).toContain("Usage: sealroom export --tenant T --project P [--out FILE]");
  });
});

describe("sealroom export", () => {
  it("writes the resolved items as JSONL to stdout (summary on stderr) or to a new 0600 file, never overwriting; each run audited", async () => {
    const { records } = await exportPage(t.s, await w.ctx(), w.admin, "", 100, w.as(w.admin));
    expect(records.map((r) => r["id"])).toEqual(["it-0"]); // it-1 and it-2 disagree: not resolved, not exported

    const out = await run(["export", "--tenant", "lab", "--project", "p"]);
    expect(out.code).toBe(0);
    expect(out.out.trimEnd().split("\n").map((l) => JSON.parse(l))).toEqual(records);
    expect(out.err).toMatch(/^Exported 1 record \(export [0-9a-f-]{36}\)\.\n$/);

    const file = join(dir, "lab.jsonl");
    const toFile = await run(["export", "--tenant", "lab", "--project", "p", "--out", file]);
    expect(toFile.code).toBe(0);
    expect(toFile.out).toContain(`to ${file}`);
    expect(readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l))).toEqual(records);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    writeFileSync(file, "keep me\n");
    const again = await run(["export", "--tenant", "lab", "--project", "p", "--out", file]);
    expect([again.code, again.err]).toEqual([2, `sealroom export: --out: ${file} already exists; choose a new file name.\n`]);
    expect(readFileSync(file, "utf8")).toBe("keep me\n");

    const exports = (await auditOf("export.download")).filter((e) => e.actor_id === "cli");
    expect(exports.map((e) => [e.object_type, JSON.parse(e.detail!)])).toEqual(Array(2).fill(["export", { projectId: w.projectId, count: 1 }]));
    expect(out.err).toContain(exports[0]!.object_id!);
  });

  it("refuses a paused project and leaves no file behind", async () => {
    await pauseProject(t.s, (await w.ctx()).project, "Quality check", w.as(w.admin));
    const file = join(dir, "paused.jsonl");
    const r = await run(["export", "--tenant", "lab", "--project", "p", "--out", file]);
    expect([r.code, r.err]).toEqual([1, "sealroom export: This project is paused: Quality check\n"]);
    expect(existsSync(file)).toBe(false);
    await resumeProject(t.s, (await w.ctx()).tenant, (await w.ctx()).project, w.as(w.admin));
    expect((await run(["export", "--tenant", "lab", "--project", "p"])).code).toBe(0);
  });
});
