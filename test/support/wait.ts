/** Waiting in tests: for a condition that becomes true a moment later, and for a free loopback port. */
import { createServer, type AddressInfo } from "node:net";

/** Retries `fn` until it stops throwing (reports, drafts and checkpoints arrive a moment after the act), at most `ms`. */
export async function eventually<T>(fn: () => Promise<T> | T, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** A loopback port nothing listens on (for a gateway to take, or to show that nothing answers there). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const p = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return p;
}
