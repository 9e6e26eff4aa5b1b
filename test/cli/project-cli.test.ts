/**
 * `sealroom project create|pause|resume` and `sealroom tenant pause|resume`
 * against a real installation (both dialects): configuration from a file,
 * errors naming the field, and pause/resume reaching a live lease.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";
import { SealroomError } from "../../src/domain/errors.js";
import { claimNext } from "../../src/services/work-queue.js";
import { makeServices, type TestContext } from "../support/services.js";
import { classItems, seedWork } from "../support/work.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices({}, { keyFile: true });
});
afterEach(async () => t.close());

async function run(...argv: string[]) {
  const io: CliIo & { stdout: string; stderr: string } = { stdout: "", stderr: "", isTTY: false, out: (s) => void (io.stdout += s), err: (s) => void (io.stderr += s) };
  const code = await runCli([...argv, ...t.cliArgs], io);
  return { code, out: io.stdout, err: io.stderr };
}

describe("sealroom project", () => {
  it("creates a project from a configuration file, with --overlap winning over the file", async () => {
    const w = await seedWork(t.s, { slug: "cli-lab" });
    const file = join(mkdtempSync(join(tmpdir(), "sealroom-cfg-")), "config.json");
    writeFileSync(file, JSON.stringify({ overlap: 2, leaseMinutes: 45, review: { mode: "sample", percent: 10 } }));
    const r = await run("project", "create", "--tenant", "cli-lab", "--slug", "claims", "--template", "claim-verification", "--overlap", "3", "--config", file, "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out);
    expect(p.config).toMatchObject({ overlap: 3, leaseMinutes: 45, review: { mode: "sample", percent: 10 }, skipPolicy: "reason_required" });
    expect(w.tenantId).toBeTruthy();
  });

  it("names the bad configuration field and creates nothing", async () => {
    await seedWork(t.s, { slug: "cli-bad" });
    const file = join(mkdtempSync(join(tmpdir(), "sealroom-cfg-")), "config.json");
    writeFileSync(file, JSON.stringify({ overlap: 0, colour: "red" }));
    const r = await run("project", "create", "--tenant", "cli-bad", "--slug", "x", "--template", "classification", "--config", file);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/overlap/);
    expect(r.err).toMatch(/colour/);
    expect(r.err).not.toMatch(/\n\s+at /);
    writeFileSync(file, "{ not json");
    const broken = await run("project", "create", "--tenant", "cli-bad", "--slug", "x", "--template", "classification", "--config", file);
    expect(broken.err).toMatch(/not valid JSON/);
    const projects = await t.s.store.db.selectFrom("projects").select("slug").where("slug", "=", "x").execute();
    expect(projects).toEqual([]);
  });

  it("pauses and resumes a project and a tenant around a live lease", async () => {
    const w = await seedWork(t.s, { slug: "cli-pause", items: classItems(2), contractors: 1 });
    const c0 = w.contractors[0]!;
    const task = (await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!;
    const paused = await run("project", "pause", "--tenant", "cli-pause", "--project", "p", "--reason", "Data review by the lab", "--json");
    expect(paused.err).toBe("");
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.out)).toEqual({ frozenLeases: 1 });
    const refused = await claimNext(t.s, await w.ctx(), c0, w.as(c0)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SealroomError);
    expect((refused as SealroomError).code).toBe("paused");
    expect((refused as SealroomError).message).toContain("Data review by the lab");
    expect((await run("project", "pause", "--tenant", "cli-pause", "--project", "p")).code).not.toBe(0); // --reason is required
    const resumed = await run("project", "resume", "--tenant", "cli-pause", "--project", "p", "--json");
    expect(resumed.err).toBe("");
    expect(JSON.parse(resumed.out)).toEqual({ thawedLeases: 1 });
    expect((await claimNext(t.s, await w.ctx(), c0, w.as(c0))).task!.assignmentId).toBe(task.assignmentId);

    expect(JSON.parse((await run("tenant", "pause", "cli-pause", "--reason", "Security incident", "--json")).out)).toEqual({ frozenLeases: 1 });
    const tenantRefused = await claimNext(t.s, await w.ctx(), c0, w.as(c0)).catch((e: unknown) => e as SealroomError);
    expect((tenantRefused as SealroomError).message).toContain("Security incident");
    expect(JSON.parse((await run("tenant", "resume", "cli-pause", "--json")).out)).toEqual({ thawedLeases: 1 });
    const blocked = await t.s.store.db.selectFrom("blocked_attempts").selectAll().where("tenant_id", "=", w.tenantId).execute();
    expect(blocked.map((b) => b.action)).toEqual(["claim", "claim"]);
  });
});
