/**
 * `audit verify` against a deliberately tampered database, on both dialects:
 * rows changed, deleted, swapped and inserted through direct SQL, stored
 * hashes and heads altered, and a full rewrite of the hashes by someone
 * without the signing key. Each case must name the first bad seq (or head).
 */
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { entryLeafHash } from "../../src/audit/entry.js";
import { CompactRange, consistencyProof, inclusionProof, rootAt, rootOfLeafHashes, verifyConsistency, verifyInclusion } from "../../src/audit/merkle.js";
import { isSealroomError } from "../../src/domain/errors.js";
import { signCurrentHead } from "../../src/services/audit-heads.js";
import { verifyAuditLog } from "../../src/services/audit-verify.js";
import { TERMINAL, eventBy } from "../../src/services/context.js";
import { auditNodeSource, readAuditEntries } from "../../src/store/repos/audit.js";
import { makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
let size = 0;
/** Size of the first signed head. */
const FIRST_HEAD = 20;
const TOTAL = 40;

/** Appends `n` entries (every third with a detail). */
async function append(n: number): Promise<void> {
  const events = Array.from({ length: n }, (_, i) =>
    eventBy(TERMINAL, { tenantId: null, action: i % 2 ? "config.change" : "auth.login", objectType: "thing", objectId: `obj-${size + i + 1}`, ...(i % 3 === 0 ? { detail: { n: size + i + 1 } } : {}) }),
  );
  await t.s.store.transaction((tx) => t.s.audit.record(tx, ...events));
  size += n;
}

beforeEach(async () => {
  t = await makeServices();
  size = 0;
  await append(FIRST_HEAD);
  expect((await signCurrentHead(t.s)).head?.size).toBe(FIRST_HEAD);
  t.advance(60_000);
  await append(TOTAL - FIRST_HEAD);
  expect((await signCurrentHead(t.s)).head?.size).toBe(TOTAL);
});
afterEach(async () => t.close());

const db = () => t.s.store.db;

async function problem() {
  const r = await verifyAuditLog(t.s, { batchSize: 7 }); // small batches: problems across batch edges
  expect(r.ok).toBe(false);
  return r.problem!;
}

/** Rebuilds every stored hash and the frontier from the rows as they now are: what an attacker without the key can do. */
async function rewriteHashes(): Promise<void> {
  const entries = await readAuditEntries(db(), 1, 10_000);
  const range = CompactRange.empty();
  const nodes = entries.flatMap((e) => range.append(entryLeafHash(e)).created);
  await sql`delete from audit_nodes`.execute(db());
  for (const n of nodes) await sql`insert into audit_nodes (level, idx, hash) values (${n.level}, ${n.index}, ${n.hash})`.execute(db());
  await sql`update audit_state set frontier = ${JSON.stringify(range.toJSON())}, size = ${range.size} where id = 1`.execute(db());
}

describe("audit verify on a tampered log", () => {
  it("a changed column is reported at its seq", async () => {
    await sql`update audit_entries set action = 'auth.logout' where seq = 7`.execute(db());
    expect(await problem()).toMatchObject({ kind: "entry_modified", seq: 7 });
  });

  it("a changed detail is reported at its seq, whether or not its digest was changed too", async () => {
    await sql`update audit_entries set detail = '{"n":999}' where seq = 4`.execute(db());
    expect(await problem()).toMatchObject({ kind: "detail_modified", seq: 4 });
    await sql`update audit_entries set detail_digest = ${"0".repeat(64)} where seq = 4`.execute(db());
    expect(await problem()).toMatchObject({ kind: "detail_modified", seq: 4 });
  });

  it("a deleted row is reported at its seq", async () => {
    await sql`delete from audit_entries where seq = 9`.execute(db());
    expect(await problem()).toMatchObject({ kind: "missing_entry", seq: 9 });
  });

  it("the newest row deleted is reported at its seq", async () => {
    await sql`delete from audit_entries where seq = ${TOTAL}`.execute(db());
    expect(await problem()).toMatchObject({ kind: "missing_entry", seq: TOTAL });
  });

  it("two rows with their seqs swapped are reported at the lower seq", async () => {
    await sql`update audit_entries set seq = -1 where seq = 11`.execute(db());
    await sql`update audit_entries set seq = 11 where seq = 14`.execute(db());
    await sql`update audit_entries set seq = 14 where seq = -1`.execute(db());
    expect(await problem()).toMatchObject({ kind: "entry_modified", seq: 11 });
  });

  it("an inserted row is reported at its seq, with or without a forged leaf hash", async () => {
    const next = TOTAL + 1;
    await sql`insert into audit_entries (seq, time, tenant_id, actor_type, actor_id, action, object_type, object_id, outcome, request_id, ip, detail, detail_digest)
      values (${next}, ${t.s.now()}, null, 'system', 'cli', 'auth.login', null, null, 'success', null, null, null, null)`.execute(db());
    expect(await problem()).toMatchObject({ kind: "extra_entry", seq: next });
    const [row] = await readAuditEntries(db(), next, 1);
    await sql`insert into audit_nodes (level, idx, hash) values (0, ${next - 1}, ${entryLeafHash(row!)})`.execute(db());
    expect(await problem()).toMatchObject({ kind: "extra_entry", seq: next });
  });

  it("an altered stored subtree hash is reported with the first seq it covers", async () => {
    await sql`update audit_nodes set hash = ${Buffer.alloc(32, 7)} where level = 2 and idx = 1`.execute(db());
    expect(await problem()).toMatchObject({ kind: "node_modified", seq: 5 });
  });

  it("a tampered head signature is reported with the head's size", async () => {
    const other = (await sql<{ signature: string }>`select signature from audit_heads where size = ${TOTAL}`.execute(db())).rows[0]!.signature;
    await sql`update audit_heads set signature = ${other} where size = ${FIRST_HEAD}`.execute(db());
    expect(await problem()).toMatchObject({ kind: "head_signature", seq: null, headSize: FIRST_HEAD });
  });

  it("a head whose root was changed (signature kept) does not verify", async () => {
    await sql`update audit_heads set root_hash = ${"ab".repeat(32)} where size = ${TOTAL}`.execute(db());
    expect(await problem()).toMatchObject({ kind: "head_signature", headSize: TOTAL });
  });

  it("a row changed and every hash rewritten to match is caught by the signed head, within the unsigned stretch", async () => {
    await sql`update audit_entries set actor_id = 'someone-else' where seq = 27`.execute(db());
    await rewriteHashes();
    const p = await problem();
    expect(p).toMatchObject({ kind: "head_root", seq: FIRST_HEAD + 1, headSize: TOTAL });
    expect(p.message).toMatch(new RegExp(`between seq ${FIRST_HEAD + 1} and ${TOTAL}`));
  });

  it("after such a rewrite no new head is signed over it", async () => {
    await sql`update audit_entries set actor_id = 'someone-else' where seq = 3`.execute(db());
    await rewriteHashes();
    await append(1);
    const err = await signCurrentHead(t.s).catch((e: unknown) => e);
    expect(isSealroomError(err, "audit_inconsistent")).toBe(true);
  });

  it("a head naming a key the installation does not have is reported", async () => {
    await sql`delete from audit_signing_keys`.execute(db());
    expect(await problem()).toMatchObject({ kind: "head_unknown_key", headSize: FIRST_HEAD });
  });

  it("rows removed from the end together with the append state are caught by the head signed beyond them", async () => {
    await sql`delete from audit_entries where seq > ${TOTAL - 3}`.execute(db());
    await rewriteHashes();
    expect(await problem()).toMatchObject({ kind: "head_beyond_log", seq: TOTAL - 2, headSize: TOTAL });
  });

  it("an altered append state is reported", async () => {
    const other = CompactRange.empty();
    for (let i = 0; i < TOTAL; i += 1) other.append(Buffer.alloc(32, i));
    await sql`update audit_state set frontier = ${JSON.stringify(other.toJSON())} where id = 1`.execute(db());
    expect(await problem()).toMatchObject({ kind: "state_mismatch" });
  });
});

describe("proofs from the stored tree", () => {
  it("every inclusion (index < size) and consistency (size1 <= size2) proof up to 40 entries verifies against the recomputed roots", async () => {
    const leaves = (await readAuditEntries(db(), 1, TOTAL)).map(entryLeafHash);
    const nodes = auditNodeSource(db());
    for (let n = 1; n <= TOTAL; n += 1) {
      const root = rootOfLeafHashes(leaves.slice(0, n));
      expect((await rootAt(n, nodes)).equals(root)).toBe(true);
      for (let i = 0; i < n; i += 1) expect(verifyInclusion(leaves[i]!, i, n, await inclusionProof(i, n, nodes), root)).toEqual({ ok: true });
      for (let m = 0; m <= n; m += 1) {
        expect(verifyConsistency(m, n, await consistencyProof(m, n, nodes), rootOfLeafHashes(leaves.slice(0, m)), root)).toEqual({ ok: true });
      }
    }
  });

  it("a size beyond the stored tree is not_found, not a wrong proof", async () => {
    const err = await inclusionProof(0, TOTAL + 1, auditNodeSource(db())).catch((e: unknown) => e);
    expect(isSealroomError(err, "not_found")).toBe(true);
  });
});

describe("audit verify on an intact log", () => {
  it("checks every entry and every signed head, in any batch size", async () => {
    for (const batchSize of [1, 7, 2000]) {
      const r = await verifyAuditLog(t.s, { batchSize });
      expect(r).toMatchObject({ ok: true, entries: TOTAL, headsChecked: 2, headsStored: 2, problem: null, latestHead: { size: TOTAL } });
    }
  });

  it("entries appended after the last head are checked against their stored hashes", async () => {
    await append(5);
    expect(await verifyAuditLog(t.s)).toMatchObject({ ok: true, entries: TOTAL + 5, headsChecked: 2 });
  });
});
