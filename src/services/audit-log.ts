/**
 * Appending to the audit log, always inside the caller's transaction: the
 * entry commits with the change it records or not at all, and if it cannot be
 * written the whole action fails (fail closed). Each append updates the
 * Merkle frontier in O(log n) and stores the subtree hashes it completed.
 */
import type { AuditEvent } from "../audit/entry.js";
import { entryLeafHash, toEntry } from "../audit/entry.js";
import { CompactRange } from "../audit/merkle.js";
import { SealroomError, isSealroomError } from "../domain/errors.js";
import { insertAuditEntries, readAuditState, writeAuditState } from "../store/repos/audit.js";
import type { DialectKind } from "../store/dialect.js";
import type { Tx } from "../store/store.js";

export type { AuditEvent };

/** The port services write audit entries through (tests swap in a failing one). */
export interface AuditLog {
  /** Appends `events` in `tx`; throws audit_unavailable if they cannot be written. */
  record(tx: Tx, ...events: AuditEvent[]): Promise<void>;
}

/** The audit log kept in the database. */
export class SqlAuditLog implements AuditLog {
  constructor(
    private readonly kind: DialectKind,
    private readonly now: () => number,
  ) {}

  async record(tx: Tx, ...events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      const state = await readAuditState(tx, this.kind === "postgres");
      const range = CompactRange.fromJSON(JSON.parse(state.frontier));
      const time = this.now();
      const entries = [];
      const nodes = [];
      for (const event of events) {
        const entry = toEntry(event, range.size + 1, time);
        nodes.push(...range.append(entryLeafHash(entry)).created);
        entries.push(entry);
      }
      await insertAuditEntries(tx, entries, nodes);
      await writeAuditState(tx, range.size, JSON.stringify(range.toJSON()));
    } catch (e) {
      if (isSealroomError(e, "audit_unavailable")) throw e;
      throw new SealroomError("audit_unavailable", "The audit log could not be written, so the action was not carried out. Try again; if it persists, tell the operator.", {}, { cause: e });
    }
  }
}
