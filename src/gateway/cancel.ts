/**
 * Cancellation of one call (client gone, request timeout). A tiny stand-in
 * for AbortController: Node's EventTarget costs about 6 µs per call to
 * create, listen and unlisten, which is most of this gateway's own budget.
 */

/** A call's cancellation: listeners run once, in order, when it is cancelled. */
export class Cancel {
  cancelled = false;
  #listeners: Array<() => void> = [];

  /** Runs `fn` on cancellation (at once if already cancelled). */
  on(fn: () => void): void {
    if (this.cancelled) fn();
    else this.#listeners.push(fn);
  }

  /** Stops `fn` from running on cancellation. */
  off(fn: () => void): void {
    const i = this.#listeners.indexOf(fn);
    if (i >= 0) this.#listeners.splice(i, 1);
  }

  /** Cancels (idempotent). */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const fn of listeners) fn();
  }
}
