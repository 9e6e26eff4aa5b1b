#!/usr/bin/env node
// `npm test`: the whole suite on SQLite, then the same suite on PostgreSQL in a
// fresh database that is dropped afterwards. Without a reachable PostgreSQL the
// second pass is skipped with one line saying so. Ends with one summary line:
// "tests: N passed, N failed, N skipped". Extra arguments go to vitest.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const adminUrl = process.env.SEALROOM_TEST_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const extra = process.argv.slice(2);
const reportDir = mkdtempSync(join(tmpdir(), "sealroom-vitest-"));
const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

function runPass(name, env) {
  const report = join(reportDir, `${name}.json`);
  console.log(`\n=== test pass: ${name} ===`);
  const r = spawnSync(
    process.execPath,
    ["node_modules/vitest/vitest.mjs", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extra],
    { stdio: "inherit", env: { ...process.env, ...env } },
  );
  try {
    const j = JSON.parse(readFileSync(report, "utf8"));
    totals.passed += j.numPassedTests;
    // A file that fails to load has no failed tests but a failed suite.
    totals.failed += j.numFailedTests || (j.numFailedTestSuites ?? 0);
    totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  } catch {
    totals.failed += 1;
    console.log(`test pass ${name}: no report was written (vitest exited with ${r.status})`);
  }
  if (r.status !== 0) exitCode = 1;
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function admin(sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

runPass("sqlite", { SEALROOM_TEST_DIALECT: "sqlite" });

if (process.env.SEALROOM_TEST_SKIP_POSTGRES === "1") {
  console.log("\nPostgreSQL pass skipped: SEALROOM_TEST_SKIP_POSTGRES=1.");
} else if (!(await postgresReachable())) {
  const where = new URL(adminUrl).host;
  console.log(`\nPostgreSQL pass skipped: no PostgreSQL server answered at ${where} (set SEALROOM_TEST_POSTGRES_ADMIN_URL to point at one).`);
} else {
  const db = `sealroom_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  await admin(`CREATE DATABASE ${db}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${db}`;
    runPass("postgres", { SEALROOM_TEST_DIALECT: "postgres", SEALROOM_TEST_POSTGRES_URL: url.toString() });
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

rmSync(reportDir, { recursive: true, force: true });
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);
