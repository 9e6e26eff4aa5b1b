/** Readable tables for exposure reports (the --json output is the report itself). */
import type { ActorExposure, ReadGroup } from "../services/exposure.js";
import type { TenantExposure } from "../services/exposure-tenant.js";

/** Item ids shown per project in the table (all of them are in --json). */
const SHOWN_IDS = 10;

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const seqRange = (a: number | null, b: number | null): string => (a === null || b === null ? "-" : `${a}..${b}`);

function frame(r: ActorExposure | TenantExposure): string {
  const head = r.latestSignedHead ? `newest signed head: size ${r.latestSignedHead.size} at ${r.latestSignedHead.timestamp}` : "no signed head yet";
  return `window: ${r.from} .. ${r.to}   (log size ${r.treeSize}; ${head})`;
}

function groups(title: string, gs: readonly ReadGroup[], ids: boolean): string {
  if (gs.length === 0) return `${title}: none`;
  const rows = gs.map((g) => [g.tenantId ?? "-", g.projectId ?? "(no project)", String(g.count), String(g.distinctObjects), seqRange(g.firstSeq, g.lastSeq)]);
  const out = [`${title}:`, table(["tenant", "project", "count", "distinct", "seq range"], rows)];
  if (ids) {
    for (const g of gs) {
      const shown = g.objects.slice(0, SHOWN_IDS).map((o) => `${o.id ?? "-"} (${o.count})`);
      const more = g.distinctObjects > SHOWN_IDS ? `, … ${g.distinctObjects - SHOWN_IDS} more (--json lists them)` : "";
      out.push(`  ${g.projectId ?? "(no project)"}: ${shown.join(", ")}${more}`);
    }
  }
  return out.join("\n");
}

/** An actor report as text. */
export function formatActorExposure(r: ActorExposure): string {
  const a = r.actor;
  const who = a.type === "user" ? `user ${a.email ?? ""} (${a.id})${a.isOperator ? ", operator" : ""}` : a.type === "token" ? `API token "${a.name ?? ""}" (${a.id}), role ${a.role ?? "?"} in ${a.tenantId ?? "?"}` : `${a.type} ${a.id}`;
  const reach = r.couldReach.tenants.map((t) => [t.slug, t.roles.join(","), t.projects.map((p) => p.slug).join(", ") || "-"]);
  const t = r.didRead.totals;
  return [
    `Exposure of ${who}${r.scopeTenantId ? ` in tenant ${r.scopeTenantId}` : ""}`,
    frame(r),
    "",
    "COULD REACH",
    reach.length ? table(["tenant", "roles held", "projects"], reach) : "no tenant",
    r.couldReach.apiTokens.length ? `API tokens it created, valid in the window: ${r.couldReach.apiTokens.map((k) => `${k.name ?? ""} (${k.id}, ${k.role ?? ""})`).join("; ")}` : "API tokens it created, valid in the window: none",
    `items leased: ${r.couldReach.leasedItems.length}`,
    ...r.couldReach.notes.map((n) => `note: ${n}`),
    "",
    "DID READ",
    `items read ${t.itemReads} (${t.distinctItems} distinct), exports downloaded ${t.exports}, gateway calls ${t.gatewayCalls}`,
    groups("items read", r.didRead.items, true),
    groups("exports downloaded", r.didRead.exports, true),
    groups("gateway calls", r.didRead.gatewayCalls, false),
    "",
    `proof: ${r.proof.readEntries} read entries, seq ${seqRange(r.proof.firstSeq, r.proof.lastSeq)}; all ${r.proof.allEntries} entries by this actor in the window, seq ${seqRange(r.proof.allFirstSeq, r.proof.allLastSeq)}`,
    "",
  ].join("\n");
}

/** A tenant report as text. */
export function formatTenantExposure(r: TenantExposure): string {
  const rows = r.readers.map((x) => [x.actor.type, x.actor.label ?? x.actor.id ?? "-", String(x.itemReads), String(x.distinctItems), String(x.exports), String(x.gatewayCalls), seqRange(x.firstSeq, x.lastSeq)]);
  return [
    `Who read tenant ${r.tenant.slug} (${r.tenant.name})`,
    frame(r),
    "",
    rows.length ? table(["type", "actor", "item reads", "distinct items", "exports", "gateway calls", "seq range"], rows) : "Nobody read this tenant's sealed data in the window.",
    "",
    `proof: ${r.proof.readEntries} read entries, seq ${seqRange(r.proof.firstSeq, r.proof.lastSeq)}`,
    "",
  ].join("\n");
}
