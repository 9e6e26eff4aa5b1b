/**
 * The benchmark harness. A benchmark measures its subject and a baseline in
 * the same run, on the same machine, and reports the ratio: absolute numbers
 * move with the machine, ratios much less. Results print as a table and are
 * written to bench/results/<name>.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

export interface BenchResult {
  readonly name: string;
  readonly description: string;
  /** The thing measured, e.g. authenticated requests per second. */
  readonly subject: Figure;
  /** The floor or reference measured in the same run. */
  readonly baseline: Figure;
  /** subject / baseline (for rates: the fraction of the baseline's speed achieved). */
  readonly ratio: number;
  /** Further figures (latencies, memory). */
  readonly figures: readonly Figure[];
  readonly goal?: string;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(): Promise<BenchResult>;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));

/** Prints one result as a readable table. */
export function printResult(r: BenchResult): void {
  const rows: Array<[string, string]> = [
    [`subject: ${r.subject.name}`, `${fmt(r.subject.value)} ${r.subject.unit}`],
    [`baseline: ${r.baseline.name}`, `${fmt(r.baseline.value)} ${r.baseline.unit}`],
    ["ratio (subject / baseline)", fmt(r.ratio)],
    ...r.figures.map((f): [string, string] => [f.name, `${fmt(f.value)} ${f.unit}`]),
    ...(r.goal ? [["goal", r.goal] as [string, string]] : []),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${r.name}: ${r.description}`);
  console.log(`${"-".repeat(w + 24)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

/** Writes bench/results/<name>.json. */
export function writeResult(dir: string, r: BenchResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.name}.json`);
  writeFileSync(file, `${JSON.stringify({ ...r, measuredAt: new Date().toISOString(), node: process.version }, null, 2)}\n`);
  return file;
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
