/**
 * A circuit breaker per deployment: after `failures` consecutive failures it
 * opens and the deployment is skipped; after `cooldownMs` one trial call is
 * let through (half-open); its success closes the breaker, its failure opens
 * it again for another cool-down.
 */

type State = "closed" | "open" | "half_open";

/** One deployment's breaker. */
export class Breaker {
  state: State = "closed";
  #failures = 0;
  #openedAt = 0;
  #trial = false;

  constructor(private readonly limits: { readonly failures: number; readonly cooldownMs: number }) {}

  /** True when a call may be tried now, without claiming the half-open trial. */
  available(now: number): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") return now - this.#openedAt >= this.limits.cooldownMs;
    return !this.#trial;
  }

  /** Claims the right to call now (the single trial when half-open); false when the breaker is open. */
  acquire(now: number): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") {
      if (now - this.#openedAt < this.limits.cooldownMs) return false;
      this.state = "half_open";
      this.#trial = false;
    }
    if (this.#trial) return false;
    this.#trial = true;
    return true;
  }

  /** Records a call that worked. */
  success(): void {
    this.state = "closed";
    this.#failures = 0;
    this.#trial = false;
  }

  /** Records a failed call (5xx, 429, timeout, connection failure). */
  failure(now: number): void {
    this.#failures += 1;
    this.#trial = false;
    if (this.state === "half_open" || this.#failures >= this.limits.failures) {
      this.state = "open";
      this.#openedAt = now;
    }
  }

  /** Seconds until the breaker lets a trial through (for retry-after). */
  retryAfterSec(now: number): number {
    return this.state === "open" ? Math.max(1, Math.ceil((this.limits.cooldownMs - (now - this.#openedAt)) / 1000)) : 1;
  }
}
