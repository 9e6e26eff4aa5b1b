/**
 * Budgets in USD per UTC day and month. The core's figures arrive with each
 * configuration (spentUsdDay/Month, counted up to usage record `usageSeq`);
 * costs of calls made here since then are added locally, so a budget holds
 * between configurations. When a newer configuration says the core has
 * counted a record, its local cost is dropped so nothing is counted twice.
 * Memory is bounded: past MAX_PENDING unacknowledged records, the oldest
 * stay counted for good (over-counting errs towards refusing, never towards
 * overspending).
 */
import type { GatewayConfig } from "./config.js";
import { GatewayError } from "./errors.js";

const DAY_MS = 86_400_000;
const MAX_PENDING = 100_000;

/** UTC day number and month number of a time. */
function periods(t: number): { day: number; month: number } {
  const d = new Date(t);
  return { day: Math.floor(t / DAY_MS), month: d.getUTCFullYear() * 12 + d.getUTCMonth() };
}

interface Sums {
  day: number;
  dayCost: number;
  month: number;
  monthCost: number;
}

interface Pending {
  readonly seq: number;
  readonly keyId: string;
  readonly cost: number;
  readonly day: number;
  readonly month: number;
}

function add(s: Sums, p: { day: number; month: number }, cost: number): void {
  // Day and month roll over independently; a cost from an earlier period than the sums hold is already out of them.
  if (p.day >= s.day) {
    if (p.day > s.day) [s.day, s.dayCost] = [p.day, 0];
    s.dayCost += cost;
  }
  if (p.month >= s.month) {
    if (p.month > s.month) [s.month, s.monthCost] = [p.month, 0];
    s.monthCost += cost;
  }
}

/** What each key has spent, for budget checks. */
export class Spend {
  #base = new Map<string, Sums>();
  #local = new Map<string, Sums>();
  #pending: Pending[] = [];
  #head = 0;

  /** Takes the core's figures from a new configuration and drops local costs it has now counted. */
  apply(config: GatewayConfig): void {
    const at = periods(config.spentAt);
    this.#base = new Map();
    for (const k of config.keysByHash.values()) this.#base.set(k.id, { day: at.day, dayCost: k.spentUsdDay, month: at.month, monthCost: k.spentUsdMonth });
    while (this.#head < this.#pending.length && (config.usageSeq === null || this.#pending[this.#head]!.seq <= config.usageSeq)) {
      const p = this.#pending[this.#head++]!;
      const s = this.#local.get(p.keyId);
      if (s) add(s, p, -p.cost);
    }
    this.#compact();
    for (const id of this.#local.keys()) if (!this.#base.has(id)) this.#local.delete(id);
  }

  /** Adds the cost of a call (usage record `seq`) made under key `keyId`. */
  record(seq: number, keyId: string, cost: number, now: number): void {
    if (cost <= 0) return;
    const p = { seq, keyId, cost, ...periods(now) };
    const s = this.#local.get(keyId) ?? { day: p.day, dayCost: 0, month: p.month, monthCost: 0 };
    add(s, p, cost);
    this.#local.set(keyId, s);
    this.#pending.push(p);
    if (this.#pending.length - this.#head > MAX_PENDING) this.#head += 1;
    this.#compact();
  }

  /** Throws 429 budget_exceeded when the key has spent its daily or monthly budget. */
  check(key: { id: string; budgetUsdDay: number | null; budgetUsdMonth: number | null }, now: number): void {
    if (key.budgetUsdDay === null && key.budgetUsdMonth === null) return;
    const { day, month } = periods(now);
    const spent = (pick: (s: Sums) => number, match: (s: Sums) => boolean) => [this.#base.get(key.id), this.#local.get(key.id)].reduce((sum, s) => sum + (s && match(s) ? pick(s) : 0), 0);
    if (key.budgetUsdDay !== null && spent((s) => s.dayCost, (s) => s.day === day) >= key.budgetUsdDay) {
      throw new GatewayError("budget_exceeded", "This key's daily budget is spent.", Math.ceil(((day + 1) * DAY_MS - now) / 1000));
    }
    if (key.budgetUsdMonth !== null && spent((s) => s.monthCost, (s) => s.month === month) >= key.budgetUsdMonth) {
      const d = new Date(now);
      const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      throw new GatewayError("budget_exceeded", "This key's monthly budget is spent.", Math.ceil((next - now) / 1000));
    }
  }

  /** Drops acknowledged entries from the front of the queue once they are the larger part of it. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
  }
}
