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
import { eventBy, SYSTEM, type Services } from "../services/context.js";
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
  /** Network namespace to run the gateway in (see SpawnGatewayOptions.netns). */
  readonly netns?: string | null;
  readonly pollMs?: number;
  readonly refreshMs?: number;
  readonly flushMs?: number;
  /** First pause before restarting a gateway that exited on its own; doubles per quick crash, up to 30 s. */
  readonly restartMs?: number;
}

/** A gateway that stayed up this long is healthy again: the restart pause starts over. */
const HEALTHY_AFTER_MS = 60_000;
const MAX_RESTART_PAUSE_MS = 30_000;

/** A gateway the core runs; restarted (same address) when it exits on its own. */
export interface GatewayLink {
  readonly url: string;
  /** The current gateway process (a new one after a restart). */
  readonly gateway: GatewayProcess;
  /** How many times the gateway was restarted after exiting on its own. */
  readonly restarts: number;
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
  let gateway = await spawnGateway({ host: o.host, port: o.port, netns: o.netns ?? undefined });
  // A restarted gateway binds the port the first one got, so clients' base URLs stay valid.
  const port = Number(new URL(gateway.url).port);
  let restarts = 0;
  let startedAt = Date.now();
  let pause = o.restartMs ?? 1000;
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

  /** Wires a gateway process's reports to the core. */
  const attach = (g: GatewayProcess) => {
    g.events.on("usage", (raw: unknown) => {
      const e = usageEventSchema.safeParse(raw);
      if (!e.success) return s.log.warn("gateway sent a malformed usage record", {});
      queue.push(e.data);
      if (queue.length >= MAX_QUEUE) g.pauseEvents();
      scheduleFlush();
    });
    g.events.on("egress_denied", (raw: unknown) => {
      const e = egressEventSchema.safeParse(raw);
      if (e.success) recordEgressDenied(s, e.data).catch(() => s.log.error("gateway egress denial could not be audited", { host: e.data.host }));
    });
    g.events.on("log", (raw: { level?: string; msg?: unknown; type?: unknown }) => {
      const { level, msg, type: _type, ...fields } = raw;
      const text = `gateway: ${typeof msg === "string" ? msg.slice(0, 200) : "(message)"}`;
      if (level === "error") s.log.error(text, fields);
      else if (level === "warn") s.log.warn(text, fields);
      else s.log.debug(text, fields);
    });
    g.events.on("exit", (code: number | null) => {
      if (stopped) return;
      s.log.error("the gateway exited; restarting it", { code, stderr: g.stderr().slice(-3) });
      restartSoon();
    });
  };
  attach(gateway);

  /**
   * Restarts a gateway that exited on its own: first the usage it reported is
   * written (its sequence numbers are the old process's), then a new process
   * on the same address gets the whole configuration, keys included, over
   * its own stdin. Quick repeated crashes back off, up to 30 s apart.
   */
  const restartSoon = () => {
    pause = Date.now() - startedAt > HEALTHY_AFTER_MS ? (o.restartMs ?? 1000) : pause;
    const wait = pause;
    pause = Math.min(pause * 2, MAX_RESTART_PAUSE_MS);
    setTimeout(() => {
      if (stopped) return;
      flush()
        .catch(() => undefined)
        .then(async () => {
          persistedSeq = 0;
          const next = await spawnGateway({ host: o.host, port, netns: o.netns ?? undefined });
          if (stopped) return void (await next.stop());
          gateway = next;
          startedAt = Date.now();
          restarts++;
          attach(next);
          await push();
          await s.store.transaction((tx) => s.audit.record(tx, eventBy(SYSTEM, { tenantId: null, action: "gateway.restart", objectType: "gateway", objectId: null, detail: { restarts, pid: next.pid } })));
          s.log.info("the gateway was restarted", { restarts, url: next.url });
        })
        .catch((e: unknown) => {
          s.log.error("the gateway could not be restarted; trying again", { error: e instanceof Error ? e.message : "error" });
          restartSoon();
        });
    }, wait).unref();
  };

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
    get gateway() {
      return gateway;
    },
    get restarts() {
      return restarts;
    },
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
