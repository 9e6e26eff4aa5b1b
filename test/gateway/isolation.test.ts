/**
 * The gateway's containment, each with an attempt to get past it:
 * - its import graph (walked from every file, resolving each import) holds
 *   only node:* modules and its own folder, and no code-loading construct;
 * - the spawned process carries no secret in /proc/<pid>/environ even when
 *   the parent's environment has some, runs with --experimental-permission
 *   and without --allow-child-process / --allow-worker / --allow-fs-write,
 *   and reports from inside that it may not read /etc/passwd;
 * - it refuses to run without the permission model, and the launcher
 *   refuses a gateway folder holding a symlink;
 * - configuration reaches it over stdin, usage comes back on stdout, and it
 *   exits when the core's end of the pipe closes.
 */
import OpenAI from "openai";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UsageEvent } from "../../src/gateway/events.js";
import { buildFromSource } from "../../src/launcher/gateway-folder.js";
import { gatewayArgv, spawnGateway, type GatewayProcess } from "../../src/launcher/gateway.js";
import { configMessage, deployment, keyEntry, newKey, until } from "../support/gateway.js";
import { startMockOpenai } from "../support/mock-openai.js";
import type { MockUpstream } from "../support/mock-upstream.js";

const ROOT = resolve(import.meta.dirname, "../..");
const GATEWAY_SRC = join(ROOT, "src/gateway");

/** Every import specifier of a TypeScript/JavaScript file: static, re-exports, side-effect and dynamic. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\n;])\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|[\n;])\s*import\s*["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*([^)]*)\)/g)) out.push(`dynamic:${m[1]!.trim()}`);
  for (const m of text.matchAll(/\brequire\s*\(\s*([^)]*)\)/g)) out.push(`require:${m[1]!.trim()}`);
  return out;
}

/** Walks the import graph from every file of `folder`; returns each import that leaves node:* and the folder. */
function walk(folder: string): { visited: string[]; violations: string[] } {
  const visited = new Set<string>();
  const violations: string[] = [];
  const queue = readdirSync(folder).filter((f) => /\.(ts|js)$/.test(f)).map((f) => join(folder, f));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (visited.has(file)) continue;
    visited.add(file);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      if (spec.startsWith("node:")) continue;
      if (!spec.startsWith("./") && !spec.startsWith("../")) {
        violations.push(`${relative(ROOT, file)} imports ${spec}`);
        continue;
      }
      const target = resolve(dirname(file), spec);
      const ts = target.replace(/\.js$/, ".ts");
      const found = existsSync(ts) ? ts : target;
      if (relative(folder, found).startsWith("..") || !existsSync(found)) violations.push(`${relative(ROOT, file)} imports ${spec}`);
      else queue.push(found);
    }
  }
  return { visited: [...visited], violations };
}

describe("zero third-party imports", () => {
  it("the walker catches a package import, a bare built-in, a path leaving the folder and a dynamic import", () => {
    const dir = mkdtempSync(join(tmpdir(), "sealroom-walk-"));
    cpSync(GATEWAY_SRC, dir, { recursive: true });
    writeFileSync(join(dir, "evil.ts"), 'import { z } from "zod";\nimport fs from "fs";\nexport { x } from "../config/config.js";\nconst m = await import("./" + name);\n');
    const { violations } = walk(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(violations.map((v) => v.split(" imports ")[1])).toEqual(expect.arrayContaining(["zod", "fs", "../config/config.js", 'dynamic:"./" + name']));
  });

  it("src/gateway imports only node:* and its own files", () => {
    const { visited, violations } = walk(GATEWAY_SRC);
    expect(visited.length).toBeGreaterThan(15);
    expect(violations).toEqual([]);
  });

  it("and runs no user-supplied code: no eval, Function, vm, child processes, workers, or file system", () => {
    const found: string[] = [];
    for (const f of readdirSync(GATEWAY_SRC).filter((n) => n.endsWith(".ts"))) {
      const text = readFileSync(join(GATEWAY_SRC, f), "utf8");
      for (const re of [/\beval\s*\(/, /\bnew\s+Function\b/, /node:vm\b/, /node:child_process\b/, /node:worker_threads\b/, /node:fs\b/, /node:module\b/, /\bprocess\.binding\b/]) if (re.test(text)) found.push(`${f}: ${re}`);
    }
    expect(found).toEqual([]);
  });
});

describe("the spawned gateway process", () => {
  let gw: GatewayProcess;
  let up: MockUpstream;
  const key = newKey();
  const PROVIDER_KEY = "sk-provider-spawned-0123456789abcdef0123";

  beforeAll(async () => {
    up = await startMockOpenai();
    // Secrets in the parent's environment must not reach the child.
    process.env["SEALROOM_TEST_PLANTED_SECRET"] = "planted-env-secret-6f1e";
    process.env["OPENAI_API_KEY"] = "sk-planted-env-openai-key";
    process.env["NODE_OPTIONS"] = "--allow-child-process";
    try {
      gw = await spawnGateway({ host: "127.0.0.1", port: 0 });
    } finally {
      delete process.env["SEALROOM_TEST_PLANTED_SECRET"];
      delete process.env["OPENAI_API_KEY"];
      delete process.env["NODE_OPTIONS"];
    }
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await up?.close();
  });

  it("has an empty environment: nothing of the parent's, planted secrets and NODE_OPTIONS included", () => {
    const environ = readFileSync(`/proc/${gw.pid}/environ`);
    expect(environ.includes("planted")).toBe(false);
    expect(environ.includes("NODE_OPTIONS")).toBe(false);
    expect(environ.length).toBe(0);
  });

  it("runs under the permission model with read access to its folder only, and says so from inside", () => {
    const cmdline = readFileSync(`/proc/${gw.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    expect(cmdline).toContain("--experimental-permission");
    const grant = cmdline.filter((a) => a.startsWith("--allow-"));
    expect(grant).toHaveLength(1);
    expect(grant[0]).toMatch(/^--allow-fs-read=\/.*sealroom-gateway-/);
    for (const flag of ["--allow-child-process", "--allow-worker", "--allow-fs-write", "--allow-addons", "--allow-wasi"]) expect(cmdline.some((a) => a.startsWith(flag))).toBe(false);
    expect(gw.ready.permission).toEqual({ enabled: true, fsReadOutside: false, fsWrite: false, childProcess: false, worker: false });
  });

  it("takes its configuration over stdin, serves the SDK, and reports usage on stdout", async () => {
    const usage: UsageEvent[] = [];
    gw.events.on("usage", (e: UsageEvent) => usage.push(e));
    const message = Buffer.from(JSON.stringify(configMessage({ deployments: [deployment({ baseUrl: `${up.url}/v1`, apiKey: PROVIDER_KEY })], keys: [keyEntry(key.hash)] })));
    await gw.send(message, 1);
    expect(message.every((b) => b === 0)).toBe(true);
    const client = new OpenAI({ apiKey: key.secret, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "Hi" }] });
    expect(r.choices[0]!.message.content).toBe("Héllo from the mock ✓");
    expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    await until(() => usage.length === 1);
    expect(usage[0]).toMatchObject({ keyId: "key-1", alias: "gpt-test", status: 200, promptTokens: 11, completionTokens: 7 });
  });

  it("refuses an invalid configuration (nack) without echoing its values, and keeps the previous one", async () => {
    const bad = { ...configMessage({ deployments: [deployment({ baseUrl: "file:///etc/passwd", apiKey: PROVIDER_KEY })], keys: [] }), version: 2 };
    const e = await gw.send(bad).catch((x: unknown) => x as Error);
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).toMatch(/baseUrl/);
    expect(e!.message).not.toContain(PROVIDER_KEY);
    expect((await fetch(`${gw.url}/healthz`).then((r) => r.json())) as object).toMatchObject({ configured: true, version: 1 });
  });

  it("exits when the core's end of the pipe closes", async () => {
    const folder = await buildFromSource(GATEWAY_SRC);
    const child = spawn(process.execPath, gatewayArgv(folder, "127.0.0.1", 0), { env: {} });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await until(() => out.includes('"type":"ready"'), 10_000);
    const exited = new Promise<number | null>((r) => child.on("exit", r));
    // The core dying closes this pipe: a gateway must not outlive the process that configures and audits it.
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(out).toMatch(/control channel closed/);
  });
});

describe("refusals at start", () => {
  it("the gateway refuses to run without the permission model", async () => {
    const folder = await buildFromSource(GATEWAY_SRC);
    const child = spawn(process.execPath, [join(folder, "main.js"), "--port", "0"], { env: {} });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(78);
    expect(out).toMatch(/refusing to run/);
  });

  it("the launcher refuses a gateway folder holding a symlink (the permission model would follow it)", async () => {
    const built = await buildFromSource(GATEWAY_SRC);
    const copy = mkdtempSync(join(tmpdir(), "sealroom-gw-copy-"));
    cpSync(built, copy, { recursive: true });
    symlinkSync("/etc/passwd", join(copy, "passwd"));
    await expect(spawnGateway({ host: "127.0.0.1", port: 0, entry: join(copy, "main.js") })).rejects.toThrow(/symbolic link/);
    rmSync(copy, { recursive: true, force: true });
  });
});
