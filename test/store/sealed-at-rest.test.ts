/**
 * Sealed at rest, on both dialects: items imported with distinctive markers
 * (in their text, their ids, the file name) leave no trace of a marker in the
 * database: on SQLite the raw bytes of the main file and of the WAL, on
 * PostgreSQL every row of every table read as text (bytea as hex), searched
 * for the marker and for its hex encoding. Then the sealed values themselves:
 * a payload moved to another row does not open, nor does one with a flipped
 * byte; both fail with the one uniform decryption_failed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TERMINAL } from "../../src/services/context.js";
import { importItems } from "../../src/services/import.js";
import { createProject, getProject } from "../../src/services/projects.js";
import { createTenant } from "../../src/services/tenants.js";
import { listItemsPage } from "../../src/store/repos/items.js";
import type { TenantRow } from "../../src/store/repos/tenants.js";
import { chunks, claimItem, jsonl } from "../support/items.js";
import { markersAtRest } from "../support/scan.js";
import { makeServices, type TestContext } from "../support/services.js";

const MARKERS = ["QUOKKA-MARKER-91c4e7", "Überraschung-MARKER-ü7", "MARKER-ID-5f0d2a", "MARKER-FILE-b81e33", "MARKER-URL-7aa210"];

let t: TestContext;
let tenant: TenantRow;
beforeEach(async () => {
  t = await makeServices();
  tenant = await createTenant(t.s, { slug: "lab", name: "Lab" }, TERMINAL);
  await t.s.store.transaction((tx) => createProject(t.s, tx, tenant.id, { slug: "claims", name: "Claims", template: "claim-verification" }, TERMINAL));
});
afterEach(async () => t.close());

async function importMarked(): Promise<void> {
  const items = Array.from({ length: 50 }, (_, i) => {
    const item = claimItem(`${MARKERS[2]}-${i}`, `The ${MARKERS[0]} claim number ${i} mentions ${MARKERS[1]}.`);
    (item["sources"] as Array<Record<string, unknown>>)[0]!["url"] = `https://example.org/${MARKERS[4]}/${i}`;
    return item;
  });
  const r = await importItems(t.s, { tenant: "lab", project: "claims" }, chunks(jsonl(items), 1 << 16), { format: "jsonl", fileName: `${MARKERS[3]}.jsonl`, skipInvalid: false }, TERMINAL);
  expect(r.imported).toBe(50);
  // A failed import writes its record too: it must not leak either.
  const bad = jsonl([claimItem(`${MARKERS[2]}-bad`, `${MARKERS[0]} again`)]) + `{"broken": "${MARKERS[0]}"\n`;
  await expect(importItems(t.s, { tenant: "lab", project: "claims" }, chunks(bad), { format: "jsonl", fileName: `${MARKERS[3]}-2.jsonl`, skipInvalid: false }, TERMINAL)).rejects.toThrow();
}

describe("sealed at rest", () => {
  it("no marker, in any encoding, is anywhere in the stored database", async () => {
    await importMarked();
    // Prove the scan can see: the project's slug is stored in the clear.
    expect(await markersAtRest(t, ["claims"])).toEqual(["claims"]);
    expect(await markersAtRest(t, MARKERS)).toEqual([]);
  });

  it("a payload swapped into another row, or with one byte flipped, does not open", async () => {
    await importMarked();
    const p = await getProject(t.s, tenant.id, "claims");
    const [a, b] = await listItemsPage(t.s.store.db, tenant.id, p.id, 0, 2);
    const at = (id: string) => ({ tenantId: tenant.id, table: "items", rowId: id, field: "payload" });
    expect(JSON.parse(await t.s.sealer.openText(at(a!.id), a!.payload)).item_id).toBe(`${MARKERS[2]}-0`);
    // Swap the two rows' payloads in the database, then read them back as stored.
    await t.s.store.db.updateTable("items").set({ payload: b!.payload }).where("tenant_id", "=", tenant.id).where("id", "=", a!.id).execute();
    await t.s.store.db.updateTable("items").set({ payload: a!.payload }).where("tenant_id", "=", tenant.id).where("id", "=", b!.id).execute();
    const [a2, b2] = await listItemsPage(t.s.store.db, tenant.id, p.id, 0, 2);
    await expect(t.s.sealer.open(at(a2!.id), a2!.payload)).rejects.toMatchObject({ code: "decryption_failed" });
    await expect(t.s.sealer.open(at(b2!.id), b2!.payload)).rejects.toMatchObject({ code: "decryption_failed" });
    // Every single flipped bit position class: header, nonce, ciphertext, tag.
    const original = Buffer.from(b!.payload);
    for (const i of [1, 4, 6, 20, Math.floor(original.length / 2), original.length - 1]) {
      const flipped = Buffer.from(original);
      flipped[i] = flipped[i]! ^ 0x01;
      await expect(t.s.sealer.open(at(b!.id), flipped), `byte ${i}`).rejects.toMatchObject({ code: "decryption_failed" });
    }
    expect(JSON.parse(await t.s.sealer.openText(at(b!.id), original)).item_id).toBe(`${MARKERS[2]}-1`);
  });
});
