/**
 * Exposure report for one tenant over a time window: every actor who read the
 * tenant's sealed data (items, exports, gateway calls), with counts and the
 * audit seq range behind them. Like every read of the audit log, producing
 * it is recorded (fail closed) before it is returned.
 */
import { EXPORT_DOWNLOAD, DATA_READ_ACTIONS, GATEWAY_CALL, ITEM_READ } from "../audit/actions.js";
import { actorLabels, tenantReadGroups, type Window } from "../store/repos/audit-exposure.js";
import type { TenantRow } from "../store/repos/tenants.js";
import type { Caller, Services } from "./context.js";
import { recordReport, reportFrame, type ReportFrame } from "./exposure.js";

export interface TenantReader {
  readonly actor: { readonly type: string; readonly id: string | null; readonly label: string | null };
  readonly itemReads: number;
  readonly distinctItems: number;
  readonly exports: number;
  readonly gatewayCalls: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface TenantExposure extends ReportFrame {
  readonly kind: "tenant";
  readonly tenant: { readonly id: string; readonly slug: string; readonly name: string };
  /** Most reads first. */
  readonly readers: readonly TenantReader[];
  readonly proof: { readonly readEntries: number; readonly firstSeq: number | null; readonly lastSeq: number | null };
}

/** Every actor who read `tenant`'s sealed data in `w`, with counts. */
export async function tenantExposure(s: Services, tenant: TenantRow, w: Window, caller: Caller): Promise<TenantExposure> {
  const groups = await tenantReadGroups(s.store.db, tenant.id, w, DATA_READ_ACTIONS);
  const readers = new Map<string, { type: string; id: string | null; itemReads: number; distinctItems: number; exports: number; gatewayCalls: number; firstSeq: number; lastSeq: number }>();
  for (const g of groups) {
    const key = JSON.stringify([g.actor_type, g.actor_id]);
    const r = readers.get(key) ?? { type: g.actor_type, id: g.actor_id, itemReads: 0, distinctItems: 0, exports: 0, gatewayCalls: 0, firstSeq: g.first_seq, lastSeq: g.last_seq };
    if (g.action === ITEM_READ) {
      r.itemReads += g.n;
      r.distinctItems += g.objects;
    } else if (g.action === EXPORT_DOWNLOAD) r.exports += g.n;
    else if (g.action === GATEWAY_CALL) r.gatewayCalls += g.n;
    r.firstSeq = Math.min(r.firstSeq, g.first_seq);
    r.lastSeq = Math.max(r.lastSeq, g.last_seq);
    readers.set(key, r);
  }
  const idsOf = (type: string) => [...readers.values()].filter((r) => r.type === type && r.id !== null).map((r) => r.id!);
  // Labels name people (emails) and tokens; other actors (gateway keys, the system) have none yet.
  const labels = await actorLabels(s.store.db, idsOf("user"), idsOf("token"));
  const labelOf = (type: string, id: string | null): string | null => (id !== null && (type === "user" || type === "token") ? (labels.get(id) ?? null) : null);
  const list: TenantReader[] = [...readers.values()].map(({ type, id, ...counts }) => ({ actor: { type, id, label: labelOf(type, id) }, ...counts }));
  list.sort((a, b) => b.itemReads + b.exports + b.gatewayCalls - (a.itemReads + a.exports + a.gatewayCalls) || a.firstSeq - b.firstSeq);
  const report: TenantExposure = {
    kind: "tenant",
    ...(await reportFrame(s, w)),
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
    readers: list,
    proof: {
      readEntries: groups.reduce((a, g) => a + g.n, 0),
      firstSeq: list.reduce<number | null>((a, r) => (a === null ? r.firstSeq : Math.min(a, r.firstSeq)), null),
      lastSeq: list.reduce<number | null>((a, r) => (a === null ? r.lastSeq : Math.max(a, r.lastSeq)), null),
    },
  };
  await recordReport(s, caller, tenant.id, { tenant: tenant.id, from: w.from, to: w.to });
  return report;
}
