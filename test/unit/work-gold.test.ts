/** Gold serving, onboarding and accuracy per contractor (src/domain/work/gold.ts). */
import { describe, expect, it } from "vitest";
import { isSealroomError } from "../../src/domain/errors.js";
import { type GoldConfig, goldDecision, type GoldStats } from "../../src/domain/work/gold.js";

const CONFIG: GoldConfig = { goldRatio: 0.1, onboardingCount: 5, accuracyThreshold: 0.8, minGoldForThreshold: 10 };
const stats = (s: Partial<GoldStats>): GoldStats => ({ goldServed: 0, goldAnswered: 0, goldCorrect: 0, tasksServed: 0, ...s });

function badRequestPath(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(isSealroomError(e, "bad_request"), String(e)).toBe(true);
    return (e as { details: { issues: { path: string }[] } }).details.issues[0]?.path;
  }
  expect.fail("expected a SealroomError bad_request");
}

/**
 * Serves `n` tasks in a row to one contractor who answers each at once, all
 * correctly, and returns the 0-based positions that were gold.
 */
function simulate(config: GoldConfig, n: number): number[] {
  const s = { goldServed: 0, goldAnswered: 0, goldCorrect: 0, tasksServed: 0 };
  const gold: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = goldDecision(s, config);
    s.tasksServed += 1;
    if (d.serveGold) {
      gold.push(i);
      s.goldServed += 1;
      s.goldAnswered += 1;
      s.goldCorrect += 1;
    }
  }
  return gold;
}

describe("goldDecision: refusals", () => {
  it("refuses counts that are negative, fractional or inconsistent", () => {
    expect(badRequestPath(() => goldDecision(stats({ goldServed: -1 }), CONFIG))).toBe("goldServed");
    expect(badRequestPath(() => goldDecision(stats({ tasksServed: 1.5 }), CONFIG))).toBe("tasksServed");
    expect(badRequestPath(() => goldDecision(stats({ goldServed: 2, goldAnswered: 2, goldCorrect: 3, tasksServed: 2 }), CONFIG))).toBe("goldCorrect");
    expect(badRequestPath(() => goldDecision(stats({ goldServed: 1, goldAnswered: 2, tasksServed: 2 }), CONFIG))).toBe("goldAnswered");
    expect(badRequestPath(() => goldDecision(stats({ goldServed: 2, tasksServed: 1 }), CONFIG))).toBe("goldServed");
  });

  it("refuses ratios and thresholds outside [0, 1] and bad counts in the config", () => {
    expect(badRequestPath(() => goldDecision(stats({}), { ...CONFIG, goldRatio: 1.01 }))).toBe("goldRatio");
    expect(badRequestPath(() => goldDecision(stats({}), { ...CONFIG, goldRatio: Number.NaN }))).toBe("goldRatio");
    expect(badRequestPath(() => goldDecision(stats({}), { ...CONFIG, accuracyThreshold: -0.1 }))).toBe("accuracyThreshold");
    expect(badRequestPath(() => goldDecision(stats({}), { ...CONFIG, onboardingCount: 2.5 }))).toBe("onboardingCount");
    expect(badRequestPath(() => goldDecision(stats({}), { ...CONFIG, minGoldForThreshold: -1 }))).toBe("minGoldForThreshold");
  });
});

describe("goldDecision: onboarding", () => {
  it("starts in onboarding with gold and no accuracy", () => {
    expect(goldDecision(stats({}), CONFIG)).toEqual({ serveGold: true, inOnboarding: true, accuracy: null, belowThreshold: false });
  });

  it("serves gold while answered + pending < K, then waits for the answers", () => {
    expect(goldDecision(stats({ goldServed: 4, goldAnswered: 2, goldCorrect: 2, tasksServed: 4 }), CONFIG).serveGold).toBe(true);
    const waiting = goldDecision(stats({ goldServed: 5, goldAnswered: 4, goldCorrect: 4, tasksServed: 5 }), CONFIG);
    expect(waiting).toMatchObject({ serveGold: false, inOnboarding: true });
  });

  it("ends onboarding at exactly K answers", () => {
    expect(goldDecision(stats({ goldServed: 5, goldAnswered: 4, tasksServed: 5 }), CONFIG).inOnboarding).toBe(true);
    expect(goldDecision(stats({ goldServed: 5, goldAnswered: 5, tasksServed: 5 }), CONFIG).inOnboarding).toBe(false);
  });

  it("has no onboarding when K is 0", () => {
    expect(goldDecision(stats({}), { ...CONFIG, onboardingCount: 0 }).inOnboarding).toBe(false);
  });
});

describe("goldDecision: ratio after onboarding", () => {
  it("serves K onboarding gold, then one gold in every 1/ratio tasks with none skipped after onboarding", () => {
    expect(simulate(CONFIG, 30)).toEqual([0, 1, 2, 3, 4, 5, 15, 25]);
  });

  it("keeps the share on target over a long run", () => {
    const gold = simulate({ ...CONFIG, goldRatio: 0.15, onboardingCount: 0 }, 1000);
    expect(gold).toHaveLength(150);
  });

  it("is exact where goldRatio × n is an integer that floating point overshoots", () => {
    // 0.3 × 10 is 3 exactly, but a ratio of 0.1 × 3 is 0.30000000000000004, and × 10 lands above 3.
    const ratio = 0.1 * 3;
    const d = goldDecision(stats({ goldServed: 3, goldAnswered: 3, tasksServed: 9 }), { ...CONFIG, goldRatio: ratio, onboardingCount: 0 });
    expect(d.serveGold).toBe(false);
    expect(goldDecision(stats({ goldServed: 3, goldAnswered: 3, tasksServed: 10 }), { ...CONFIG, goldRatio: ratio, onboardingCount: 0 }).serveGold).toBe(true);
  });

  it("serves no gold after onboarding at ratio 0 and only gold at ratio 1", () => {
    expect(simulate({ ...CONFIG, goldRatio: 0 }, 20)).toEqual([0, 1, 2, 3, 4]);
    expect(simulate({ ...CONFIG, goldRatio: 1 }, 20)).toHaveLength(20);
  });

  it("is deterministic: the same counts give the same decision", () => {
    const s = stats({ goldServed: 7, goldAnswered: 7, goldCorrect: 6, tasksServed: 31 });
    expect(goldDecision(s, CONFIG)).toEqual(goldDecision(s, CONFIG));
  });
});

describe("goldDecision: accuracy", () => {
  it("is correct / answered", () => {
    expect(goldDecision(stats({ goldServed: 4, goldAnswered: 4, goldCorrect: 3, tasksServed: 4 }), CONFIG).accuracy).toBe(0.75);
  });

  it("is judged against the threshold only from minGoldForThreshold answers on", () => {
    const low = { goldCorrect: 0, tasksServed: 20 };
    expect(goldDecision(stats({ ...low, goldServed: 9, goldAnswered: 9 }), CONFIG).belowThreshold).toBe(false);
    expect(goldDecision(stats({ ...low, goldServed: 10, goldAnswered: 10 }), CONFIG).belowThreshold).toBe(true);
  });

  it("is not below the threshold when exactly at it", () => {
    const at = goldDecision(stats({ goldServed: 10, goldAnswered: 10, goldCorrect: 8, tasksServed: 50 }), CONFIG);
    expect(at.accuracy).toBe(0.8);
    expect(at.belowThreshold).toBe(false);
    expect(goldDecision(stats({ goldServed: 10, goldAnswered: 10, goldCorrect: 7, tasksServed: 50 }), CONFIG).belowThreshold).toBe(true);
  });

  it("never flags a contractor without answers, even with minGoldForThreshold 0", () => {
    expect(goldDecision(stats({}), { ...CONFIG, minGoldForThreshold: 0, accuracyThreshold: 1 })).toMatchObject({ accuracy: null, belowThreshold: false });
  });

  it("counts onboarding gold in accuracy and can flag during onboarding", () => {
    const d = goldDecision(stats({ goldServed: 3, goldAnswered: 3, goldCorrect: 1, tasksServed: 3 }), { ...CONFIG, minGoldForThreshold: 3 });
    expect(d).toMatchObject({ inOnboarding: true, belowThreshold: true });
    expect(d.accuracy).toBeCloseTo(1 / 3, 12);
  });
});
