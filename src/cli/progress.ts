/**
 * Progress for long commands. On a terminal: one line redrawn in place on
 * stderr (bar, count, rate, ETA), at most ten times a second. Elsewhere the
 * bar is off; `plain` commands print a short line on the first update and
 * then every few seconds (once something is done), so logs and supervising
 * scripts see life without being flooded.
 */
import type { CliIo } from "./command.js";

/** A progress display. */
export interface Progress {
  /** `done` of `total` units (total unknown: undefined); `fraction` overrides done/total for the bar and ETA. */
  update(done: number, total?: number, fraction?: number): void;
  /** Clears the line (TTY) so the summary starts clean. */
  finish(): void;
}

const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 2000;
const BAR = 24;

/** A progress display counting `unit` (e.g. "items"). */
export function progress(io: CliIo, unit: string, options: { plain?: boolean; now?: () => number } = {}): Progress {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total, fraction) {
      const t = now();
      const share = fraction ?? (total ? done / total : undefined);
      if (io.isTTY) {
        if (t - last < REDRAW_MS && share !== 1) return;
        last = t;
        drawn = true;
        io.err(`\r${line(done, unit, share, (t - started) / 1000)}\u001b[K`);
      } else if (options.plain && done > 0 && (last === -Infinity || t - last >= PLAIN_EVERY_MS)) {
        last = t;
        io.err(`${line(done, unit, share, (t - started) / 1000)}\n`);
      }
    },
    finish() {
      if (io.isTTY && drawn) io.err("\r\u001b[K");
    },
  };
}

/** One progress line: [#####-----]  45%  12,345 items  9,876 items/s  ETA 0:12 */
export function line(done: number, unit: string, share: number | undefined, seconds: number): string {
  const rate = seconds > 0 ? done / seconds : 0;
  const parts: string[] = [];
  if (share !== undefined) {
    const s = Math.min(1, Math.max(0, share));
    const filled = Math.round(s * BAR);
    parts.push(`[${"#".repeat(filled)}${"-".repeat(BAR - filled)}] ${String(Math.floor(s * 100)).padStart(3)}%`);
  }
  parts.push(`${done.toLocaleString("en-US")} ${unit}`, `${Math.round(rate).toLocaleString("en-US")} ${unit}/s`);
  if (share !== undefined && share > 0 && share < 1) parts.push(`ETA ${clock((seconds * (1 - share)) / share)}`);
  return parts.join("  ");
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
