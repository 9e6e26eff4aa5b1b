/**
 * The sealroom command in-process: help on every subcommand, bad arguments
 * named with exit code 2, and the operator's path from an empty installation
 * to an invitation link.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { commands } from "../../src/cli/commands/index.js";
import { runCli } from "../../src/cli/main.js";

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: "", stderr: "", isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

async function run(...argv: string[]) {
  const io = capture();
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "sealroom-cli-"));
const store = ["--data-dir", join(dir, "data"), "--key-file", join(dir, "keys", "master.key")];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sealroom CLI", () => {
  it("lists its commands, and every subcommand answers --help with exit 0", async () => {
    const top = await run("--help");
    expect(top.code).toBe(0);
    for (const c of commands) {
      expect(top.out).toContain(c.name);
      const h = await run(...c.name.split(" "), "--help");
      expect(h.code, c.name).toBe(0);
      expect(h.out, c.name).toMatch(/^Usage: sealroom /);
    }
  });

  it("unknown commands and bad flags exit 2 with a message naming the problem, no stack", async () => {
    const unknown = await run("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'frobnicate'/);
    const badFlag = await run("tenant", "create", "--slug", "x", "--name", "X", "--colour", "red", ...store);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toMatch(/colour/);
    const badSlug = await run("tenant", "create", "--slug", "Not A Slug", "--name", "X", ...store);
    expect(badSlug.code).toBe(2);
    expect(badSlug.err).toMatch(/--slug/);
    const badEmail = await run("operator", "create", "--email", "nope", ...store);
    expect(badEmail.code).toBe(2);
    expect(badEmail.err).toMatch(/--email/);
    for (const r of [unknown, badFlag, badSlug, badEmail]) expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("operator create → tenant create → tenant list → invite", async () => {
    expect((await run("migrate", ...store)).out).toMatch(/Applied: 0001_spine|Already up to date/);
    const pwFile = join(dir, "pw");
    writeFileSync(pwFile, "a long operator passphrase 9\n", { mode: 0o600 });
    const op = await run("operator", "create", "--email", "ops@lab.test", "--password-file", pwFile, ...store);
    expect(op.code).toBe(0);
    expect(op.out).not.toMatch(/Password/);
    const weak = await run("operator", "create", "--email", "ops2@lab.test", "--password-file", (writeFileSync(join(dir, "weak"), "password\n"), join(dir, "weak")), ...store);
    expect(weak.code).toBe(1);
    expect(weak.err).toMatch(/password/i);
    const generated = await run("operator", "create", "--email", "ops3@lab.test", ...store);
    expect(generated.out).toMatch(/Password \(shown once\): \S{16,}/);
    const dup = await run("operator", "create", "--email", "ops@lab.test", ...store);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/already exists/);

    const created = await run("tenant", "create", "--slug", "acme", "--name", "Acme AI", "--json", ...store);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ slug: "acme", name: "Acme AI" });
    expect((await run("tenant", "create", "--slug", "acme", "--name", "Again", ...store)).code).toBe(1);
    const list = await run("tenant", "list", "--json", ...store);
    expect(JSON.parse(list.out).map((t: { slug: string }) => t.slug)).toEqual(["acme"]);

    const invite = await run("invite", "--tenant", "acme", "--email", "admin@acme.test", "--role", "lab_admin", ...store);
    expect(invite.code).toBe(0);
    expect(invite.out).toMatch(/\/invite#token=sri_[A-Za-z0-9_-]{43}/);
    const missing = await run("invite", "--tenant", "nope", "--email", "a@b.test", "--role", "contractor", ...store);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/No such tenant/);
  });
});
