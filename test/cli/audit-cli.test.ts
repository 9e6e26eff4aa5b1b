/**
 * The audit and exposure commands in-process over a real installation
 * (SQLite data folder and key file): the public key, heads signed on demand,
 * proofs whose printed verify commands pass when pasted, `audit verify` on an
 * intact and on a tampered database, and exposure reports as JSON and table.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { ITEM_READ } from "../../src/audit/actions.js";
import type { CliIo } from "../../src/cli/command.js";
import { configFrom, withServices } from "../../src/cli/common.js";
import { runCli } from "../../src/cli/main.js";
import { SYSTEM, eventBy } from "../../src/services/context.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  return { code: await runCli(argv, io), out, err };
}

const dir = mkdtempSync(join(tmpdir(), "sealroom-audit-cli-"));
const flags = { "data-dir": join(dir, "data"), "key-file": join(dir, "keys", "master.key") };
const store = ["--data-dir", flags["data-dir"], "--key-file", flags["key-file"]];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a printed `sealroom …` command line (flags with plain values only). */
function argvOf(line: string): string[] {
  const words = line.trim().split(/\s+/);
  expect(words[0]).toBe("sealroom");
  return words.slice(1);
}

describe("audit and exposure commands", () => {
  it("refuse bad arguments with exit 2, naming the flag", async () => {
    expect(await run("audit", "prove-inclusion", ...store)).toMatchObject({ code: 2, err: expect.stringMatching(/--index: is required/) });
    expect(await run("audit", "prove-consistency", "--size1", "5", "--size2", "2", ...store)).toMatchObject({ code: 2, err: expect.stringMatching(/--size1/) });
    expect(await run("exposure", "--from", "2026-01-01", "--to", "2026-02-01", ...store)).toMatchObject({ code: 2, err: expect.stringMatching(/--actor/) });
    expect(await run("exposure", "--tenant", "x", "--from", "2026-02-30", "--to", "2026-03-01", ...store)).toMatchObject({ code: 2, err: expect.stringMatching(/--from/) });
    expect(await run("exposure", "--tenant", "x", "--from", "2026-03-01", "--to", "2026-02-01", ...store)).toMatchObject({ code: 2, err: expect.stringMatching(/--to/) });
    expect(await run("exposure", "--tenant", "x", "--from", "2026-03-01T10:00:00", "--to", "2026-04-01", ...store)).toMatchObject({ code: 2, err: expect.stringMatching(/offset/) });
  });

  it("public key, heads on demand, proofs that verify when pasted, and a clean verify", async () => {
    expect((await run("tenant", "create", "--slug", "acme", "--name", "Acme AI", ...store)).code).toBe(0);
    const key = JSON.parse((await run("audit", "public-key", "--json", ...store)).out);
    expect(key).toMatchObject({ algorithm: "Ed25519", keyId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await run("audit", "public-key", ...store)).out).toContain(`key id:    ${key.keyId}\n-----BEGIN PUBLIC KEY-----`);
    expect((await run("audit", "heads", ...store)).out).toMatch(/No signed heads yet/);

    const proved = await run("audit", "prove-inclusion", "--index", "0", ...store);
    expect(proved.code).toBe(0);
    expect(proved.out).toMatch(/^Entry seq 1 \(leaf index 0\) is in the tree of 1 entries\.\nroot [0-9a-f]{64}: signed head at this size/);
    const line = proved.out.split("\n").find((l) => l.includes("verify-inclusion"))!;
    expect(await run(...argvOf(line))).toEqual({ code: 0, out: "ok\n", err: "" });

    expect((await run("audit", "sign-head", ...store)).out).toMatch(/^Already signed, nothing new: size 1 /);
    expect((await run("tenant", "create", "--slug", "beta", "--name", "Beta", ...store)).code).toBe(0);
    const signed = JSON.parse((await run("audit", "sign-head", "--json", ...store)).out);
    expect(signed).toMatchObject({ created: true, head: { size: 2, keyId: key.keyId } });
    expect(JSON.parse((await run("audit", "heads", "--json", ...store)).out).map((h: { size: number }) => h.size)).toEqual([1, 2]);

    const consistent = JSON.parse((await run("audit", "prove-consistency", "--size1", "1", "--size2", "2", "--json", ...store)).out);
    expect(consistent.verifyCommand).toMatch(/^sealroom audit verify-consistency --size1 1 --size2 2 --root1 [0-9a-f]{64} --root2 [0-9a-f]{64} --proof [0-9a-f]{64}$/);
    expect(await run(...argvOf(consistent.verifyCommand))).toEqual({ code: 0, out: "ok\n", err: "" });

    const ok = await run("audit", "verify", ...store);
    expect(ok).toMatchObject({ code: 0, err: "" });
    expect(ok.out).toMatch(/^audit log ok: \d+ entries, root [0-9a-f]{64}; 2 signed head\(s\) checked \(newest at size 2, /);
  });

  it("exposure reports, as a table and as JSON", async () => {
    const reader = "user-cli-distinctive";
    await withServices(configFrom(flags), async (s) => {
      const acme = await s.store.db.selectFrom("tenants").select("id").where("slug", "=", "acme").executeTakeFirstOrThrow();
      const read = (item: string) => eventBy({ ...SYSTEM, actorType: "user", actorId: reader }, { tenantId: acme.id, action: ITEM_READ, objectType: "item", objectId: item, detail: { projectId: "proj-cli" } });
      await s.store.transaction((tx) => s.audit.record(tx, read("item-cli-1"), read("item-cli-1"), read("item-cli-2")));
    });
    const window = ["--from", "2000-01-01", "--to", "2100-01-01T00:00:00Z"];
    const tenant = await run("exposure", "--tenant", "acme", ...window, ...store);
    expect(tenant.code).toBe(0);
    expect(tenant.out).toMatch(/^Who read tenant acme \(Acme AI\)/);
    expect(tenant.out).toMatch(new RegExp(`user\\s+${reader}\\s+3\\s+2\\s+0\\s+0\\s+\\d+\\.\\.\\d+`));
    const actor = await run("exposure", "--actor", reader, ...window, ...store);
    expect(actor.out).toMatch(/COULD REACH[\s\S]*items leased: 0\n[\s\S]*note: Leased items are the items handed/);
    expect(actor.out).toMatch(/DID READ\nitems read 3 \(2 distinct\)/);
    expect(actor.out).toContain("proj-cli: item-cli-1 (2), item-cli-2 (1)");
    const json = JSON.parse((await run("exposure", "--actor", reader, "--tenant", "acme", ...window, "--json", ...store)).out);
    expect(json).toMatchObject({ kind: "actor", actor: { type: "user", id: reader }, didRead: { totals: { itemReads: 3, distinctItems: 2 } } });
    expect((await run("exposure", "--tenant", "nope", ...window, ...store))).toMatchObject({ code: 1, err: expect.stringMatching(/No such tenant/) });
  });

  it("audit verify exits 1 on a tampered database, naming the first bad seq", async () => {
    await withServices(configFrom(flags), async (s) => {
      await sql`update audit_entries set ip = '203.0.113.9' where seq = 2`.execute(s.store.db);
    });
    const bad = await run("audit", "verify", ...store);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^sealroom audit verify: TAMPERED \(first bad seq 2\): entry seq 2 does not hash/);
    const json = await run("audit", "verify", "--json", ...store);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, problem: { kind: "entry_modified", seq: 2 } });
  });
});
