/**
 * The core's side of a running gateway: starts it, hands it its
 * configuration, keeps that configuration current, and records what it
 * reports.
 * - Pushes: at start; after every change made through this process's
 *   services (awaited, so an API revocation is in force when the API
 *   answers); when the change counter or a tenant/project pause changes in
 *   the database (polled every second: the CLI runs in another process); and
 *   every 30 s while calls are being recorded, to refresh spend figures and
 *   acknowledge recorded usage (usageSeq).
 * - Records: usage lines in batches (rows plus audit entries, one
 *   transaction each). If recording fails the batch is retried, and past
 *   MAX_QUEUE the gateway's reports are no longer read, so it refuses calls
 *   rather than make calls nobody audits.
 */
import type { Services } from "../services/context.js";
import { buildGatewayConfig } from "../services/gateway-config.js";
import { onGatewayChange } from "../services/gateway-notify.js";
import { egressEventSchema, recordEgressDenied, recordUsage, usageEventSchema, type UsageEvent } from "../services/gateway-usage.js";
import { gatewaySignature } from "../store/repos/gateway.js";
import { spawnGateway, type GatewayProcess } from "./gateway.js";

const BATCH = 500;
const MAX_QUEUE = 20_000;

/** Where the gateway listens, and how often the link polls, refreshes and writes. */
export interface GatewayLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly pollMs?: number;
  readonly refreshMs?: number;
  readonly flushMs?: number;
}

/** A gateway the core runs. */
export interface GatewayLink {
  readonly url: string;
  readonly gateway: GatewayProcess;
  /** Builds and pushes the current configuration (serialised with other pushes). */
  push(): Promise<void>;
  /** Writes the usage received so far. */
  flush(): Promise<void>;
  /** Stops the gateway, then records what it reported last. */
  stop(): Promise<void>;
}

/** Runs `fn`s one after another. */
function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Starts the gateway for the core `s` and keeps it configured. */
export async function startGatewayLink(s: Services, o: GatewayLinkOptions): Promise<GatewayLink> {
  const gateway = await spawnGateway({ host: o.host, port: o.port });
  const queue: UsageEvent[] = [];
  const pushes = serial();
  const writes = serial();
  let version = 0;
  let persistedSeq = 0;
  let recordedSincePush = false;
  let signature = await gatewaySignature(s.store.db);
  let stopped = false;

  const push = () =>
    pushes(async () => {
      signature = await gatewaySignature(s.store.db);
      const built = await buildGatewayConfig(s, ++version, persistedSeq);
      recordedSincePush = false;
      if (built.skipped > 0) s.log.warn("gateway deployments left out: their provider key could not be opened", { skipped: built.skipped });
      await gateway.send(built.message, built.version);
    });

  const flush = () =>
    writes(async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, BATCH);
        await recordUsage(s, batch);
        queue.splice(0, batch.length);
        persistedSeq = Math.max(persistedSeq, ...batch.map((e) => e.seq));
        recordedSincePush = true;
        if (queue.length < MAX_QUEUE / 2) gateway.resumeEvents();
      }
    });

  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const scheduleFlush = () => {
    if (flushTimer || stopped) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      flush().catch((e: unknown) => {
        s.log.error("gateway usage could not be recorded; retrying", { error: e instanceof Error ? e.message : "error", queued: queue.length });
        scheduleFlush();
      });
    }, o.flushMs ?? 100);
  };

  gateway.events.on("usage", (raw: unknown) => {
    const e = usageEventSchema.safeParse(raw);
    if (!e.success) return s.log.warn("gateway sent a malformed usage record", {});
    queue.push(e.data);
    if (queue.length >= MAX_QUEUE) gateway.pauseEvents();
    scheduleFlush();
  });
  gateway.events.on("egress_denied", (raw: unknown) => {
    const e = egressEventSchema.safeParse(raw);
    if (e.success) recordEgressDenied(s, e.data).catch(() => s.log.error("gateway egress denial could not be audited", { host: e.data.host }));
  });
  gateway.events.on("log", (raw: { level?: string; msg?: unknown; type?: unknown }) => {
    const { level, msg, type: _type, ...fields } = raw;
    const text = `gateway: ${typeof msg === "string" ? msg.slice(0, 200) : "(message)"}`;
    if (level === "error") s.log.error(text, fields);
    else if (level === "warn") s.log.warn(text, fields);
    else s.log.debug(text, fields);
  });
  gateway.events.on("exit", (code: number | null) => {
    if (!stopped) s.log.error("the gateway exited", { code, stderr: gateway.stderr().slice(-3) });
  });

  await push();
  const unregister = onGatewayChange(s, push);
  const poll = setInterval(() => {
    gatewaySignature(s.store.db).then(
      (now) => (now !== signature ? push() : undefined),
      () => undefined,
    ).catch((e: unknown) => s.log.warn("gateway configuration push failed", { error: e instanceof Error ? e.message : "error" }));
  }, o.pollMs ?? 1000);
  const refresh = setInterval(() => {
    if (recordedSincePush) push().catch(() => undefined);
  }, o.refreshMs ?? 30_000);
  poll.unref();
  refresh.unref();

  return {
    url: gateway.url,
    gateway,
    push,
    flush,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(poll);
      clearInterval(refresh);
      if (flushTimer) clearTimeout(flushTimer);
      unregister();
      await gateway.stop();
      await flush().catch((e: unknown) => s.log.error("gateway usage could not be recorded at shutdown", { error: e instanceof Error ? e.message : "error", lost: queue.length }));
    },
  };
}
