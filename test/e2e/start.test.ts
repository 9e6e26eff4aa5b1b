/**
 * The README's first command as a user runs it: `sealroom start` as a real
 * process on a fresh data folder creates the demo workspace, prints each
 * account's password once, serves real HTTP, stops cleanly on SIGTERM, and on
 * the next start reuses the data without re-seeding or reprinting passwords.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DIALECT } from "../support/services.js";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "sealroom-e2e-"));
const dataDir = join(dir, "data");
const pgUrl = process.env["SEALROOM_TEST_POSTGRES_URL"];

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

function start(): Promise<Started> {
  const args = ["--import", "tsx", "src/cli/bin.ts", "start", "--port", "0", "--gateway-port", "0", "--data-dir", dataDir];
  if (DIALECT === "postgres" && pgUrl) args.push("--database-url", pgUrl);
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env["PATH"] ?? "", SEALROOM_LOG_LEVEL: "warn" } });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m && (out.includes("Sign in at") || !out.includes("Demo workspace created"))) {
        clearTimeout(timer);
        // Give the demo block a moment to be flushed after the URL line.
        setTimeout(() => resolvePromise({ child, url: m[1]!, output: () => out }), 300);
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
}

function stop(p: Started): Promise<number | null> {
  return new Promise((r) => {
    p.child.removeAllListeners("exit");
    p.child.once("exit", (code) => r(code));
    p.child.kill("SIGTERM");
  });
}

async function login(url: string, email: string, password: string) {
  const res = await fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
  return { status: res.status, body: (await res.json()) as { mfa?: string }, cookie: res.headers.get("set-cookie") ?? "" };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sealroom start (real process)", () => {
  const passwords = new Map<string, string>();

  it("first start seeds the demo, prints passwords once, and every account can sign in", async () => {
    const p = await start();
    try {
      const out = p.output();
      for (const m of out.matchAll(/^\s+(operator|lab_admin|lab_auditor|reviewer|contractor)\s+(\S+@\S+)\s+(\S+)$/gm)) passwords.set(m[2]!, m[3]!);
      expect([...passwords.keys()].sort()).toEqual(
        ["admin", "auditor", "contractor1", "contractor2", "operator", "reviewer"].map((n) => `${n}@demo.sealroom.test`).sort(),
      );
      for (const [email, password] of passwords) {
        const r = await login(p.url, email, password);
        expect(r.status, email).toBe(200);
        expect(r.cookie).toMatch(/HttpOnly/);
        expect(r.cookie).toMatch(/SameSite=Strict/);
        expect(r.cookie).not.toMatch(/Secure/);
        expect(r.body.mfa).toBe(email.startsWith("admin") || email.startsWith("operator") ? "enrolment_required" : "satisfied");
      }
      const c = await login(p.url, "contractor1@demo.sealroom.test", passwords.get("contractor1@demo.sealroom.test")!);
      const projects = await fetch(`${p.url}/api/tenants/demo-lab/projects`, { headers: { cookie: c.cookie.split(";")[0]! } });
      const body = (await projects.json()) as { projects: Array<{ slug: string; itemCount: number }> };
      expect(body.projects).toEqual([expect.objectContaining({ slug: "demo-claims", itemCount: 30 })]);
      if (DIALECT === "sqlite") expect(statSync(join(dataDir, "sealroom.db")).mode & 0o077).toBe(0);
      // The gateway runs beside the core, configured, at the URL printed.
      const gateway = /gateway: (http:\/\/\S+)/.exec(out)?.[1];
      expect(gateway).toBeDefined();
      expect(await (await fetch(`${gateway}/healthz`)).json()).toMatchObject({ ok: true, configured: true });
      expect(statSync(join(dir, ".sealroom", "master.key")).mode & 0o777).toBe(0o600);
      // Started on a random port, the gateway's port is recorded for the core's own calls and the CLI (owner-only).
      const record = join(dataDir, "gateway.port");
      expect(readFileSync(record, "utf8").trim()).toBe(new URL(gateway!).port);
      expect(statSync(record).mode & 0o777).toBe(0o600);
    } finally {
      expect(await stop(p)).toBe(0);
    }
    // A clean stop removes the record: nothing points at a port no gateway holds.
    expect(existsSync(join(dataDir, "gateway.port"))).toBe(false);
  });

  it("a second start reuses the data: no re-seed, no password printed, old passwords still work", async () => {
    const p = await start();
    try {
      expect(p.output()).not.toMatch(/shown once/);
      const r = await login(p.url, "reviewer@demo.sealroom.test", passwords.get("reviewer@demo.sealroom.test")!);
      expect(r.status).toBe(200);
      const projects = await fetch(`${p.url}/api/tenants/demo-lab/projects`, { headers: { cookie: r.cookie.split(";")[0]! } });
      expect(((await projects.json()) as { projects: unknown[] }).projects).toHaveLength(1);
    } finally {
      expect(await stop(p)).toBe(0);
    }
  });
});
