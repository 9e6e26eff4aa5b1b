/**
 * The folder rules that matter most, checked on the source: what each folder
 * may import, and that only the config module reads the environment.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]!);
  return out;
}

/** The src folder (first path segment) a relative import lands in, or the package name. */
function target(file: string, spec: string): { kind: "node" | "package" | "local"; name: string } {
  if (spec.startsWith("node:")) return { kind: "node", name: spec };
  if (!spec.startsWith(".")) return { kind: "package", name: spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]! };
  const abs = resolve(dirname(file), spec);
  return { kind: "local", name: relative(SRC, abs).split("/")[0]! };
}

const folderOf = (file: string) => relative(SRC, file).split("/")[0]!;
const all = files(SRC);

function violations(rule: (folder: string, t: ReturnType<typeof target>) => boolean, only?: (folder: string) => boolean): string[] {
  const out: string[] = [];
  for (const f of all) {
    const folder = folderOf(f);
    if (only && !only(folder)) continue;
    for (const spec of importsOf(f)) if (!rule(folder, target(f, spec))) out.push(`${relative(ROOT, f)} imports ${spec}`);
  }
  return out;
}

describe("architecture", () => {
  it("reads source files (the checks below are not vacuous)", () => {
    expect(all.length).toBeGreaterThan(30);
    expect(importsOf(join(SRC, "store/store.ts"))).toContain("kysely");
  });

  it("only src/store imports the SQL layer and drivers", () => {
    const sql = new Set(["kysely", "better-sqlite3", "pg"]);
    expect(violations((folder, t) => folder === "store" || !(t.kind === "package" && sql.has(t.name)))).toEqual([]);
  });

  it("the gateway imports only node built-ins and its own folder", () => {
    expect(violations((_f, t) => t.kind === "node" || (t.kind === "local" && t.name === "gateway"), (f) => f === "gateway")).toEqual([]);
  });

  it("domain, auth, seal, audit and formats are pure: node built-ins, domain and themselves (domain may use zod for its schemas)", () => {
    const pure = new Set(["domain", "auth", "seal", "audit", "formats"]);
    const allowed = (folder: string, t: ReturnType<typeof target>) =>
      t.kind === "node" || (t.kind === "local" && (t.name === "domain" || t.name === folder)) || (folder === "domain" && t.kind === "package" && t.name === "zod");
    expect(violations(allowed, (f) => pure.has(f))).toEqual([]);
  });

  it("HTTP code never imports the store or its drivers", () => {
    expect(
      violations(
        (_f, t) => !(t.kind === "package" && ["kysely", "better-sqlite3", "pg"].includes(t.name)),
        (f) => f === "http",
      ),
    ).toEqual([]);
    const valueImports = all
      .filter((f) => folderOf(f) === "http")
      .flatMap((f) => [...readFileSync(f, "utf8").matchAll(/\nimport\s+\{[^}]*\}\s+from\s+["'](\.\.\/)+store\/[^"']+["']/g)].map((m) => `${relative(ROOT, f)}: ${m[0].trim()}`));
    expect(valueImports).toEqual([]);
  });

  it("only the config module (and the CLI edge that hands it process.env) reads the environment", () => {
    const readers = all.filter((f) => /process\.env\b/.test(readFileSync(f, "utf8"))).map((f) => relative(SRC, f));
    expect(readers.sort()).toEqual(["cli/common.ts", "config/config.ts"]);
  });
});
