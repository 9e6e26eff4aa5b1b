/** The progress display: bar, count, rate and ETA on a terminal; silence, or sparse plain lines, elsewhere. */
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { line, progress } from "../../src/cli/progress.js";

function io(isTTY: boolean): CliIo & { text: string } {
  const o = { text: "", isTTY, out: (t: string) => void (o.text += t), err: (t: string) => void (o.text += t) };
  return o;
}

describe("progress", () => {
  it("draws bar, percentage, count, rate and ETA", () => {
    expect(line(5000, "items", 0.25, 10)).toBe("[######------------------]  25%  5,000 items  500 items/s  ETA 0:30");
    expect(line(12, "values", undefined, 2)).toBe("12 values  6 values/s");
    expect(line(100, "items", 1, 3700 * 0.01)).not.toMatch(/ETA/);
    expect(line(1, "items", 0.0001, 3600)).toMatch(/ETA 9999:59:59|ETA \d+:\d\d:\d\d/);
  });

  it("redraws in place on a terminal, at most every 100 ms, and clears itself", () => {
    let t = 0;
    const tty = io(true);
    const p = progress(tty, "items", { now: () => t });
    p.update(10, 100);
    t = 50;
    p.update(20, 100);
    t = 150;
    p.update(30, 100);
    p.finish();
    expect(tty.text.match(/\r/g)?.length).toBe(3);
    expect(tty.text).toContain(" 30%");
    expect(tty.text).not.toContain(" 20%");
    expect(tty.text.endsWith("\r\u001b[K")).toBe(true);
  });

  it("says nothing off a terminal, unless plain: then a line once work is done and every few seconds", () => {
    let t = 0;
    const quiet = io(false);
    progress(quiet, "items", { now: () => t }).update(10, 100);
    expect(quiet.text).toBe("");
    const plain = io(false);
    const p = progress(plain, "values", { plain: true, now: () => t });
    p.update(0, 100);
    p.update(10, 100);
    t = 1000;
    p.update(20, 100);
    t = 2500;
    p.update(30, 100);
    expect(plain.text.trim().split("\n").map((l) => l.match(/(\d+) values /)?.[1])).toEqual(["10", "30"]);
  });
});
