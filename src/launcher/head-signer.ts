/**
 * Signs a new audit tree head every `intervalMs` while the server runs (and
 * once at start), so the log is committed to at least that often even when
 * nobody asks. The timer is unref'd (it never keeps the process alive), runs
 * never overlap, and stop() waits for a signing in flight so the store is not
 * closed under it.
 */
import type { Services } from "../services/context.js";
import { signCurrentHead } from "../services/audit-heads.js";

export interface HeadSigner {
  /** Clears the timer and waits for a signing in flight. */
  stop(): Promise<void>;
}

/** Starts periodic head signing; an interval of 0 disables it. */
export function startHeadSigner(s: Services, intervalMs: number): HeadSigner {
  if (intervalMs <= 0) return { stop: async () => {} };
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (inFlight || stopped) return;
    inFlight = signCurrentHead(s)
      .then(
        ({ head, created }) => {
          if (created && head) s.log.info("audit tree head signed", { size: head.size, rootHash: head.rootHash, keyId: head.keyId });
        },
        (e: unknown) => s.log.error("audit tree head signing failed", { error: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => {
        inFlight = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
