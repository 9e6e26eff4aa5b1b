/**
 * The sealed-data commands in-process, against this test's database and key
 * file (both dialects): `import` (errors by line, --json, --skip-invalid with
 * a 0600 rejects file, idempotent re-import, CSV by extension), `keys rotate`,
 * `keys rotate-master` (new key file, old key no longer opens anything) and
 * `tenant shred` (refuses a wrong confirmation, asks when none is given).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";
import { TERMINAL } from "../../src/services/context.js";
import { createProject } from "../../src/services/projects.js";
import { createTenant, getTenant } from "../../src/services/tenants.js";
import { claimCsv, claimItem, jsonl } from "../support/items.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
const dir = mkdtempSync(join(tmpdir(), "sealroom-cli-sealed-"));

beforeAll(async () => {
  t = await makeServices({}, { keyFile: true });
  for (const slug of ["lab", "other"]) {
    const tenant = await createTenant(t.s, { slug, name: slug }, TERMINAL);
    await t.s.store.transaction((tx) => createProject(t.s, tx, tenant.id, { slug: "claims", name: "Claims", template: "claim-verification" }, TERMINAL));
  }
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], answer?: string, store: readonly string[] = t.cliArgs) {
  const io: CliIo & { stdout: string; stderr: string } = {
    stdout: "",
    stderr: "",
    isTTY: false,
    out: (s) => void (io.stdout += s),
    err: (s) => void (io.stderr += s),
    ...(answer !== undefined ? { prompt: async (q: string) => ((io.stderr += q), answer) } : {}),
  };
  const code = await runCli([...argv, ...store], io);
  return { code, out: io.stdout, err: io.stderr };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** 15 claim items; line 7 is broken JSON and line 12 lacks claim.text. */
function badFile(): string {
  const lines = Array.from({ length: 15 }, (_, i) => JSON.stringify(claimItem(`c-${i + 1}`)));
  lines[6] = lines[6]!.slice(0, -3);
  const twelve = claimItem("c-12") as { claim: Record<string, unknown> };
  delete twelve.claim["text"];
  lines[11] = JSON.stringify(twelve);
  return lines.join("\n") + "\n";
}

describe("sealroom import", () => {
  it("a bad file: exit 1, each error as 'line N: field: message', nothing imported", async () => {
    const f = file("bad.jsonl", badFile());
    const r = await run(["import", "--tenant", "lab", "--project", "claims", f]);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split("\n");
    expect(lines[0]).toMatch(/^line 7: \(line\): not valid JSON/);
    expect(lines[1]).toMatch(/^line 12: claim\.text: /);
    expect(lines[2]).toBe("Nothing was imported.");
    const json = await run(["import", "--tenant", "lab", "--project", "claims", "--json", f]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ status: "failed", errorCount: 2, errors: [{ line: 7, path: "(line)" }, { line: 12, path: "claim.text" }] });
    expect((await run(["tenant", "list", "--json"])).code).toBe(0);
  });

  it("--skip-invalid imports the rest and writes the rejects file (0600, line, errors, raw line); re-import adds nothing", async () => {
    const f = file("mixed.jsonl", badFile());
    const r = await run(["import", "--tenant", "lab", "--project", "claims", "--skip-invalid", "--json", f]);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ imported: 13, rejected: 2, rejectsFile: `${f}.rejects.jsonl` });
    expect(statSync(`${f}.rejects.jsonl`).mode & 0o777).toBe(0o600);
    const rejects = readFileSync(`${f}.rejects.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.line, x.errors[0].path, x.raw === badFile().split("\n")[x.line - 1]])).toEqual([
      [7, "(line)", true],
      [12, "claim.text", true],
    ]);
    const again = await run(["import", "--tenant", "lab", "--project", "claims", "--skip-invalid", f]);
    expect(again.out).toMatch(/^Imported 0 of 15 items \(13 already present, 0 changed, 2 rejected\)/);
  });

  it("guesses CSV from the extension, and asks for --format when it cannot", async () => {
    const csv = file("items.csv", claimCsv([claimItem("csv-1"), claimItem("csv-2")]));
    const r = await run(["import", "--tenant", "lab", "--project", "claims", csv]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Imported 2 of 2 items/);
    const odd = file("items.data", jsonl([claimItem("odd")]));
    const guess = await run(["import", "--tenant", "lab", "--project", "claims", odd]);
    expect([guess.code, guess.err]).toEqual([2, expect.stringMatching(/--format/)]);
    expect((await run(["import", "--tenant", "lab", "--project", "claims", "--format", "jsonl", odd])).code).toBe(0);
  });
});

describe("sealroom keys", () => {
  it("rotate makes a new version current", async () => {
    const r = await run(["keys", "rotate", "--tenant", "lab"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/data key v2 is now current/);
  });

  it("rotate-master rewraps under a new 0600 key file; afterwards only the new key opens the data", async () => {
    const inside = await run(["keys", "rotate-master", "--new-key-file", join(t.dataDir, "k.key")]);
    expect([inside.code, inside.err]).toEqual([2, expect.stringMatching(/outside the data folder/)]);
    const next = join(dir, "keys", "next.key");
    const r = await run(["keys", "rotate-master", "--new-key-file", next]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Rewrapped \d+ keys/);
    expect(r.out).toContain(`SEALROOM_KEY_FILE=${next}`);
    expect(statSync(next).mode & 0o777).toBe(0o600);
    const withNew = t.cliArgs.map((a, i) => (t.cliArgs[i - 1] === "--key-file" ? next : a));
    const ok = await run(["import", "--tenant", "lab", "--project", "claims", file("again.jsonl", jsonl([claimItem("c-1")]))], undefined, withNew);
    expect(ok.out, ok.err).toMatch(/Imported 0 of 1 items \(1 already present/);
    const old = await run(["import", "--tenant", "lab", "--project", "claims", file("again2.jsonl", jsonl([claimItem("c-1")]))]);
    expect(old.code).toBe(1);
    expect(old.err).toMatch(/master key/);
  });
});

describe("sealroom tenant shred", () => {
  it("refuses a wrong confirmation, asks for the slug when none is given, and shreds on the right one", async () => {
    const wrong = await run(["tenant", "shred", "other", "--confirm", "lab"]);
    expect([wrong.code, wrong.err]).toEqual([2, expect.stringMatching(/does not match/)]);
    expect((await getTenant(t.s, "other")).status).toBe("active");
    const declined = await run(["tenant", "shred", "other"], "oth");
    expect(declined.code).toBe(2);
    expect(declined.err).toMatch(/Type the tenant's slug \(other\)/);
    const r = await run(["tenant", "shred", "other"], "other");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Tenant other shredded/);
    expect((await getTenant(t.s, "other")).status).toBe("shredded");
  });
});
