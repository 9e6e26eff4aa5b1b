/**
 * SQLite has one writer at a time. A data key created through the side
 * connection while the main connection holds a transaction must wait for it
 * without stopping the event loop (better-sqlite3 waits synchronously, which
 * would stall the very loop that has to finish that transaction), and then
 * succeed. PostgreSQL has no such single-writer lock: the test is SQLite-only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TERMINAL } from "../../src/services/context.js";
import { createTenant } from "../../src/services/tenants.js";
import { DIALECT, makeServices, type TestContext } from "../support/services.js";

let t: TestContext;
beforeEach(async () => {
  t = await makeServices();
});
afterEach(async () => t.close());

describe.skipIf(DIALECT !== "sqlite")("SQLite write lock", () => {
  it("a key created during another transaction waits asynchronously, then lands", async () => {
    const tenant = await createTenant(t.s, { slug: "lock-lab", name: "Lock Lab" }, TERMINAL);
    let created = false;
    let pending: Promise<void> | undefined;
    const ticks: number[] = [];
    await t.s.store.transaction(async (tx) => {
      await tx.updateTable("tenants").set({ name: "Lock Lab (renamed)" }).where("id", "=", tenant.id).execute();
      pending = t.s.keyring.current(tenant.id).then(() => {
        created = true;
      });
      // The event loop keeps turning while the key waits for the lock.
      const started = performance.now();
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 20));
        ticks.push(performance.now() - started);
      }
      expect(created).toBe(false);
    });
    await pending;
    expect(created).toBe(true);
    expect(ticks.at(-1)!).toBeLessThan(1000);
    const keys = await t.s.store.db.selectFrom("data_keys").select("version").where("tenant_id", "=", tenant.id).execute();
    expect(keys.length).toBeGreaterThan(0);
  });
});
