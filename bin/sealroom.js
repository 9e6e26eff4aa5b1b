#!/usr/bin/env node
// The `sealroom` command: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/bin.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("sealroom: not built yet. Run `npm run build` (npm start does it for you).\n");
  process.exit(1);
}
await import(entry.href);
