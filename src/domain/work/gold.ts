/**
 * Gold questions per contractor: whether the next task should be a gold item
 * (known answer), whether the contractor is still onboarding, and their gold
 * accuracy against a threshold. Pure and deterministic; imports only the
 * domain folder.
 *
 * Why a counter and not a coin flip: the counters live on the server, and a
 * contractor sees neither them nor which items are gold, so from their side
 * a counter-driven schedule is no easier to dodge than a random one, and it
 * keeps the realised gold share exactly on target (no streaks) and the tests
 * exact. Its limit, said plainly: after onboarding gold is spaced evenly
 * (every 1/goldRatio tasks), so someone who learns goldRatio and counts their
 * own leases could guess which task is gold. Gold items look like any other
 * item, and skips, expiries and concurrent leases blur the count; if that is
 * not enough, the caller can feed a random phase into the counts.
 */
import { SealroomError } from "../errors.js";

/** Counts for one contractor on one project. "Served" counts leases answered or still open: a lease skipped or expired unanswered is not counted, so skipping a gold item does not skip the check. */
export interface GoldStats {
  /** Gold items served. */
  readonly goldServed: number;
  /** Gold items answered (the rest of goldServed are pending). */
  readonly goldAnswered: number;
  /** Gold items answered correctly. */
  readonly goldCorrect: number;
  /** All tasks served, gold included. */
  readonly tasksServed: number;
}

/** A project's gold policy. */
export interface GoldConfig {
  /** Share of tasks that are gold after onboarding, in [0, 1]. */
  readonly goldRatio: number;
  /** K: gold answers a contractor gives before regular work. */
  readonly onboardingCount: number;
  /** Accuracy below which the contractor is flagged, in [0, 1]. */
  readonly accuracyThreshold: number;
  /** Gold answers needed before the threshold is applied. */
  readonly minGoldForThreshold: number;
}

/** What to do next for one contractor. */
export interface GoldDecision {
  /** Serve a gold item next. False while onboarding with K gold already out: wait for their answers. */
  readonly serveGold: boolean;
  /** Fewer than K gold answers so far; regular tasks should not be served. */
  readonly inOnboarding: boolean;
  /** goldCorrect / goldAnswered, or null before the first answer. */
  readonly accuracy: number | null;
  /** Accuracy under the threshold, judged only once goldAnswered >= minGoldForThreshold. */
  readonly belowThreshold: boolean;
}

/** Slack for goldRatio × n landing a hair above an integer in binary floating point (0.1 × 3 × 10 ≠ 3). */
const EPSILON = 1e-9;

function bad(path: string, message: string): SealroomError {
  return new SealroomError("bad_request", `${path}: ${message}`, { issues: [{ path, message }] });
}

function count(value: number, path: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw bad(path, "must be an integer >= 0");
  return value;
}

function fraction(value: number, path: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw bad(path, "must be a number in [0, 1]");
  return value;
}

function checkStats(s: GoldStats): void {
  count(s.goldServed, "goldServed");
  count(s.goldAnswered, "goldAnswered");
  count(s.goldCorrect, "goldCorrect");
  count(s.tasksServed, "tasksServed");
  if (s.goldCorrect > s.goldAnswered) throw bad("goldCorrect", "must not exceed goldAnswered");
  if (s.goldAnswered > s.goldServed) throw bad("goldAnswered", "must not exceed goldServed");
  if (s.goldServed > s.tasksServed) throw bad("goldServed", "must not exceed tasksServed");
}

function checkConfig(c: GoldConfig): void {
  fraction(c.goldRatio, "goldRatio");
  count(c.onboardingCount, "onboardingCount");
  fraction(c.accuracyThreshold, "accuracyThreshold");
  count(c.minGoldForThreshold, "minGoldForThreshold");
}

/**
 * Gold decision for one contractor.
 *
 * Onboarding: while fewer than K gold items are answered, serve gold as long
 * as answered + pending (= goldServed) < K, so at most K are out at once.
 *
 * After onboarding the ratio is kept over the tasks served since onboarding
 * (the K onboarding items excluded): serve gold when
 * goldAfter < goldRatio × (tasksAfter + 1). Counting the onboarding gold in
 * the share would leave a gold-free stretch of K/goldRatio − K tasks right
 * after onboarding (90 tasks for K = 10, ratio 0.1), when checks matter most.
 */
export function goldDecision(stats: GoldStats, config: GoldConfig): GoldDecision {
  checkStats(stats);
  checkConfig(config);
  const k = config.onboardingCount;
  const inOnboarding = stats.goldAnswered < k;
  const accuracy = stats.goldAnswered === 0 ? null : stats.goldCorrect / stats.goldAnswered;
  const judged = accuracy !== null && stats.goldAnswered >= config.minGoldForThreshold;
  const belowThreshold = judged && accuracy < config.accuracyThreshold;
  if (inOnboarding) return { serveGold: stats.goldServed < k, inOnboarding, accuracy, belowThreshold };
  const goldAfter = Math.max(0, stats.goldServed - k);
  const tasksAfter = Math.max(0, stats.tasksServed - k);
  const serveGold = goldAfter < config.goldRatio * (tasksAfter + 1) - EPSILON;
  return { serveGold, inOnboarding, accuracy, belowThreshold };
}
