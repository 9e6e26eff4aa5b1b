/**
 * Where the gateway's compiled code lives, and the checks that make
 * `--allow-fs-read=<folder>` mean what it says. Node 20's permission model
 * follows symlinks inside a granted folder (a link to /etc/passwd there is
 * readable), and anyone who can write the folder can change the code the
 * gateway runs, so the folder is refused if it holds a symlink or anything
 * writable by group or others, or is owned by another user.
 *
 * From the build (dist/launcher) the folder is dist/gateway. Running from
 * source (tests, tsx) there is no build: the gateway's TypeScript is
 * transpiled file by file into a private cache folder named by a hash of the
 * sources, created with mode 0700 and checked like any other.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SealroomError } from "../domain/errors.js";

/** Refuses a folder the permission grant would not really confine (see the header). */
export function assertConfinable(folder: string): void {
  const uid = process.getuid?.() ?? 0;
  const walk = (path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) throw new SealroomError("config_invalid", `The gateway folder holds a symbolic link (${path}); the permission model would follow it. Remove it.`);
    if (st.mode & 0o022) throw new SealroomError("config_invalid", `${path} is writable by group or others; the gateway's code must not be. Fix its mode.`);
    if (st.uid !== uid && st.uid !== 0) throw new SealroomError("config_invalid", `${path} belongs to another user; the gateway only runs code owned by this user or root.`);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(folder);
}

/** Transpiles src/gateway/*.ts into `out` (ES modules), with a package.json marking them as such. */
async function transpile(source: string, out: string): Promise<void> {
  // A development-only path: the published build has dist/gateway and never loads the compiler.
  const ts = (await import("typescript")).default;
  for (const name of readdirSync(source)) {
    if (!name.endsWith(".ts")) continue;
    const text = readFileSync(join(source, name), "utf8");
    const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true }, fileName: name }).outputText;
    writeFileSync(join(out, name.replace(/\.ts$/, ".js")), js, { mode: 0o600 });
  }
  writeFileSync(join(out, "package.json"), '{"type":"module"}\n', { mode: 0o600 });
}

/**
 * `<cacheRoot>/<name>`, filled by `fill` into a private staging folder and
 * renamed into place unless it is already there (a folder named by a hash of
 * its contents is reused as it is; it is checked before use).
 */
async function cached(cacheRoot: string, name: string, fill: (staging: string) => void | Promise<void>): Promise<string> {
  const folder = join(cacheRoot, name);
  if (existsSync(join(folder, "main.js"))) return realpathSync(folder);
  mkdirSync(cacheRoot, { recursive: true });
  const staging = mkdtempSync(join(cacheRoot, "sealroom-gateway-build-"));
  try {
    await fill(staging);
    renameSync(staging, folder);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    // Another process built the same folder first: use theirs.
    if (!existsSync(join(folder, "main.js"))) throw e;
  }
  return realpathSync(folder);
}

/** The folder of the gateway built from `source` (TypeScript), building it into the cache if needed. */
export async function buildFromSource(source: string, cacheRoot = tmpdir()): Promise<string> {
  const hash = createHash("sha256");
  for (const name of readdirSync(source).sort()) if (name.endsWith(".ts")) hash.update(name).update("\0").update(readFileSync(join(source, name))).update("\0");
  return cached(cacheRoot, `sealroom-gateway-${process.getuid?.() ?? 0}-${hash.digest("hex").slice(0, 20)}`, (staging) => transpile(source, staging));
}

/**
 * A copy of the gateway folder `folder` that user nobody can read (folders
 * 0755, files 0644, owned by this user; nobody can write it), for a gateway
 * started in a network namespace, which runs as nobody. Named by a hash of
 * the contents and reused; checked like any other folder before use.
 */
export function readableCopy(folder: string, cacheRoot = tmpdir()): Promise<string> {
  const files = readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(folder.length))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(folder, name)) }));
  const hash = createHash("sha256");
  for (const f of files) hash.update(f.name).update("\0").update(f.bytes).update("\0");
  return cached(cacheRoot, `sealroom-gateway-shared-${process.getuid?.() ?? 0}-${hash.digest("hex").slice(0, 20)}`, (staging) => {
    for (const f of files) {
      const to = join(staging, f.name);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, f.bytes);
      chmodSync(to, 0o644); // whatever the umask
    }
    for (const e of readdirSync(staging, { recursive: true, withFileTypes: true })) if (e.isDirectory()) chmodSync(join(e.parentPath, e.name), 0o755);
    chmodSync(staging, 0o755);
  });
}

/** The gateway folder for this installation: dist/gateway when built, else a build of src/gateway. */
export async function gatewayFolder(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  const sibling = resolve(dirname(here), "../gateway");
  if (here.endsWith(".js")) {
    if (!existsSync(join(sibling, "main.js"))) throw new SealroomError("config_invalid", `The gateway is not built (${sibling}/main.js is missing). Run npm run build.`);
    return realpathSync(sibling);
  }
  return buildFromSource(sibling);
}
