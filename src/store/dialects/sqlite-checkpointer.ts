/**
 * WAL checkpoints off the request path. SQLite normally checkpoints inside
 * the commit that pushes the WAL past 1,000 pages: that commit copies the
 * pages into the database file and fsyncs it, which took a claim from its
 * usual 4-5 ms to 15-30 ms about once every dozen round trips (measured with
 * one client in sequence: p99 18 ms with, 10 ms without). Here a worker
 * thread with a connection of its own runs passive checkpoints on a timer;
 * in WAL mode a checkpoint runs beside writers, so the event loop never
 * waits for one. The request connections keep a far higher automatic
 * threshold as a safety net should the worker stop.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the worker checkpoints (a no-op when nothing was written). */
const INTERVAL_MS = 200;
/** The request connections' own threshold while a worker runs (pages, ~80 MiB). */
export const SAFETY_NET_PAGES = 20_000;

/**
 * The worker: plain CommonJS evaluated in the thread, so it needs neither
 * the TypeScript sources nor the build. It only ever checkpoints.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 0");
const tick = () => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch { /* busy: the next tick tries again */ }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "stop") { clearInterval(timer); tick(); db.close(); parentPort.close(); }
});
`;

export interface Checkpointer {
  /** Runs a last checkpoint and ends the thread. */
  stop(): Promise<void>;
}

/** Starts checkpointing the WAL of the SQLite file at `path` (which must exist, in WAL mode). */
export function startCheckpointer(path: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs: INTERVAL_MS } });
  // It must never keep the process alive, and a failure only leaves the safety net in charge.
  worker.unref();
  worker.on("error", () => undefined);
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    stop: async () => {
      worker.postMessage("stop");
      const timeout = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
