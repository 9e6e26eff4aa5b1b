/** `npm run bench [-- name …]`: runs every benchmark (or the named ones), prints tables, writes bench/results/*.json. */
import { join } from "node:path";
import { printResult, writeResult, type Benchmark } from "./harness.js";
import { auditBench } from "./audit.bench.js";
import { claimBench } from "./claim.bench.js";
import { gatewayBench } from "./gateway.bench.js";
import { httpSession } from "./http-session.bench.js";
import { importBench } from "./import.bench.js";

const BENCHMARKS: readonly Benchmark[] = [httpSession, auditBench, gatewayBench, importBench, claimBench];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !BENCHMARKS.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Available: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
const chosen = wanted.length ? BENCHMARKS.filter((b) => wanted.includes(b.name)) : BENCHMARKS;
const outDir = join(import.meta.dirname, "results");
for (const b of chosen) {
  const r = await b.run();
  printResult(r);
  console.log(`written: ${writeResult(outDir, r)}`);
}
