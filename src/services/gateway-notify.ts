/**
 * How a change to the gateway's configuration reaches a running gateway in
 * this process: the launcher registers a listener for its Services, and the
 * gateway services call `gatewayChanged` after committing, awaiting the
 * gateway's ack, so a revocation made through the API is in force when the
 * API answers. Changes made by other processes (the CLI) are found by the
 * launcher's poll of the change counter instead.
 */
import type { Services } from "./context.js";

const listeners = new WeakMap<Services, () => Promise<void>>();

/** Registers the push for `s` (the launcher; one per Services). Returns the unregister function. */
export function onGatewayChange(s: Services, push: () => Promise<void>): () => void {
  listeners.set(s, push);
  return () => {
    if (listeners.get(s) === push) listeners.delete(s);
  };
}

/** Pushes the new configuration to this process's gateway, if one runs; never throws (the poll retries). */
export async function gatewayChanged(s: Services): Promise<void> {
  const push = listeners.get(s);
  if (!push) return;
  try {
    await push();
  } catch (e) {
    s.log.warn("gateway configuration push failed; the next poll retries", { error: e instanceof Error ? e.name : "error" });
  }
}
