/**
 * WAL checkpoints off the request path. SQLite normally checkpoints inside
 * the commit that pushes the WAL past 1,000 pages: that commit copies the
 * pages into the database file and fsyncs it, which took a claim from its
 * usual 4-5 ms to 15-30 ms about once every dozen round trips (measured with
 * one client in sequence: p99 18 ms with, 10 ms without). Here a worker
 * thread with a connection of its own runs passive checkpoints on a timer;
 * in WAL mode a checkpoint runs beside writers, so the event loop never
 * waits for one, not even after an import of a million items, whose commit
 * leaves hundreds of megabytes of WAL to copy. The request connections do
 * not checkpoint while the worker runs; should it stop unexpectedly, the
 * connection that started it goes back to SQLite's own threshold.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the worker checkpoints (a no-op when nothing was written). */
const INTERVAL_MS = 200;
/** SQLite's own automatic checkpoint threshold (pages), restored should the worker stop. */
export const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

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
  /** The thread (tests end it to play its loss). */
  readonly thread: Worker;
  /** Runs a last checkpoint and ends the thread. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing the WAL of the SQLite file at `path` (which must
 * exist, in WAL mode); `onLost` runs if the worker stops other than by stop().
 */
export function startCheckpointer(path: string, onLost: () => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs: INTERVAL_MS } });
  // It must never keep the process alive; a failure hands checkpoints back to the commits (onLost).
  worker.unref();
  worker.on("error", () => undefined);
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      if (!stopping) onLost();
      resolve();
    }),
  );
  return {
    thread: worker,
    stop: async () => {
      stopping = true;
      worker.postMessage("stop");
      const timeout = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
