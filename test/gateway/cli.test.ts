/**
 * The gateway's CLI: `sealroom gateway deployment add` reads the provider key
 * from a private file only (never argv; a file others can read is refused),
 * stores it sealed and shows its last four characters; `gateway key create`
 * prints the key once; `gateway key revoke` takes effect; `gateway usage`
 * reports per day.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { runCli } from "../../src/cli/main.js";
import { DIALECT } from "../support/services.js";

const dir = mkdtempSync(join(tmpdir(), "sealroom-gw-cli-"));
const dataDir = join(dir, "data");
const store = ["--data-dir", dataDir, "--key-file", join(dir, "keys", "master.key")];
const gatewayStore = ["--data-dir", dataDir, "--master-key-file", join(dir, "keys", "master.key")];
const PROVIDER_KEY = "sk-PLANTED-cli-provider-0123456789abcd";
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = { stdout: "", stderr: "", isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) } as CliIo & { stdout: string; stderr: string };
  const code = await runCli(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe.skipIf(DIALECT !== "sqlite")("sealroom gateway (CLI)", () => {
  it("adds a deployment from a private key file, never from argv or a readable file", async () => {
    expect((await run("tenant", "create", "--slug", "acme", "--name", "Acme", ...store)).code).toBe(0);
    const keyFile = join(dir, "openai.key");
    writeFileSync(keyFile, `${PROVIDER_KEY}\n`, { mode: 0o644 });
    const args = ["gateway", "deployment", "add", "--tenant", "acme", "--alias", "gpt-a", "--provider", "openai", "--base-url", "https://api.openai.com/v1", "--model", "gpt-4o-mini"];
    const readable = await run(...args, "--key-file", keyFile, ...gatewayStore);
    expect(readable.code).toBe(2);
    expect(readable.err).toMatch(/chmod 600/);
    const onArgv = await run(...args, "--key", PROVIDER_KEY, ...gatewayStore);
    expect(onArgv.code).toBe(2);
    writeFileSync(keyFile, `${PROVIDER_KEY}\n`, { mode: 0o600 });
    const { chmodSync } = await import("node:fs");
    chmodSync(keyFile, 0o600);
    const ok = await run(...args, "--key-file", keyFile, "--pass-header", "anthropic-beta", "--json", ...gatewayStore);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ alias: "gpt-a", provider: "openai", keyLastFour: "abcd" });
    expect(ok.out).not.toContain("PLANTED");
    const badHeader = await run(...args, "--key-file", keyFile, "--pass-header", "authorization", ...gatewayStore);
    expect(badHeader.code).toBe(1);
    for (const f of readdirSync(dataDir).filter((n) => n.startsWith("sealroom.db"))) expect(readFileSync(join(dataDir, f)).includes(Buffer.from("PLANTED"))).toBe(false);
  });

  it("rotates a deployment's provider key from a private file, and removes a deployment", async () => {
    const added = JSON.parse((await run("gateway", "deployment", "add", "--tenant", "acme", "--alias", "gpt-r", "--provider", "openai", "--base-url", "https://api.openai.com/v1", "--model", "gpt-4o-mini", "--key-file", join(dir, "openai.key"), "--json", ...gatewayStore)).out) as { id: string };
    const newKey = join(dir, "rotated.key");
    writeFileSync(newKey, "sk-PLANTED-rotated-key-000000wxyz\n", { mode: 0o600 });
    const rotated = await run("gateway", "deployment", "rotate-key", "--tenant", "acme", added.id, "--key-file", newKey, ...gatewayStore);
    expect(rotated.code, rotated.err).toBe(0);
    expect(rotated.out).toContain("…wxyz");
    expect(rotated.out).not.toContain("PLANTED");
    expect((await run("gateway", "deployment", "rotate-key", "--tenant", "acme", "no-such-id", "--key-file", newKey, ...gatewayStore)).code).toBe(1);
    expect((await run("gateway", "deployment", "remove", "--tenant", "acme", added.id, ...gatewayStore)).code).toBe(0);
    const again = await run("gateway", "deployment", "remove", "--tenant", "acme", added.id, ...gatewayStore);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/No such deployment/);
    for (const f of readdirSync(dataDir).filter((n) => n.startsWith("sealroom.db"))) expect(readFileSync(join(dataDir, f)).includes(Buffer.from("PLANTED"))).toBe(false);
  });

  it("creates a key shown once, revokes it, and reports usage", async () => {
    const created = await run("gateway", "key", "create", "--tenant", "acme", "--models", "gpt-a,gpt-b", "--rpm", "60", "--budget-usd", "5", "--expires", "30d", "--json", ...store);
    expect(created.code, created.err).toBe(0);
    const key = JSON.parse(created.out) as { id: string; key: string; models: string[]; expiresAt: string };
    expect(key.key).toMatch(/^sk-sr-[A-Za-z0-9_-]{43}$/);
    expect(key.models).toEqual(["gpt-a", "gpt-b"]);
    expect(key.expiresAt).not.toBeNull();
    for (const f of readdirSync(dataDir).filter((n) => n.startsWith("sealroom.db"))) expect(readFileSync(join(dataDir, f)).includes(Buffer.from(key.key))).toBe(false);
    expect((await run("gateway", "key", "create", "--tenant", "acme", "--models", "gpt-a", "--expires", "soon", ...store)).code).toBe(2);
    const revoked = await run("gateway", "key", "revoke", key.id, ...store);
    expect(revoked.code, revoked.err).toBe(0);
    expect((await run("gateway", "key", "revoke", key.id, ...store)).code).toBe(1);
    const usage = await run("gateway", "usage", "--tenant", "acme", "--json", ...store);
    expect(usage.code).toBe(0);
    expect(JSON.parse(usage.out)).toEqual([]);
  });
});
