/**
 * Label Studio task JSON (https://labelstud.io/guide/task_format): one
 * top-level array of tasks, each `{"data": {…}, …}`; the item is the task's
 * `data` object (annotations and predictions are not imported). The array is
 * scanned incrementally, one task at a time, so the file is never held whole:
 * only the task being read is kept, and each is parsed with JSON.parse once
 * its closing brace arrives.
 */
import { MAX_RECORD_BYTES, fileError, parseJsonRecord, stripBom, utf8Decoder, type InputRecord } from "./records.js";

const enum Top {
  BeforeArray,
  BeforeTask,
  AfterTask,
  InTask,
  Done,
}

/** Reads a Label Studio task array from a byte stream, yielding the item records of each chunk. */
export async function* readLabelStudio(source: AsyncIterable<Uint8Array>): AsyncGenerator<InputRecord[]> {
  const scanner = new TaskScanner();
  const decoder = utf8Decoder();
  let first = true;
  for await (const chunk of source) {
    let text = decoder.decode(chunk, scanner.line);
    if (first && text.length > 0) {
      text = stripBom(text);
      first = false;
    }
    const out = scanner.push(text);
    if (out.length) yield out;
  }
  const out = scanner.push(decoder.end(scanner.line));
  scanner.end();
  if (out.length) yield out;
}

/** A state machine over the characters of the array: tracks nesting and strings to find each task's extent. */
class TaskScanner {
  line = 1;
  #state = Top.BeforeArray;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #task: string[] = [];
  #taskLength = 0;
  #taskLine = 1;

  push(text: string): InputRecord[] {
    const out: InputRecord[] = [];
    let taskStart = this.#state === Top.InTask ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) this.line++;
      if (this.#state === Top.InTask) {
        if (!this.#advance(c)) continue;
        this.#task.push(text.slice(taskStart, i + 1));
        out.push(this.#finishTask());
        taskStart = -1;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
      taskStart = this.#top(c, i, taskStart);
    }
    if (this.#state === Top.InTask && taskStart !== -1) {
      this.#taskLength += text.length - taskStart;
      if (this.#taskLength > MAX_RECORD_BYTES) throw fileError(this.#taskLine, `a task is longer than ${MAX_RECORD_BYTES} characters`);
      this.#task.push(text.slice(taskStart));
    }
    return out;
  }

  end(): void {
    if (this.#state === Top.BeforeArray) throw fileError(this.line, "a Label Studio file is a JSON array of tasks, and this one is empty");
    if (this.#state !== Top.Done) throw fileError(this.line, "the file ends before the task array is closed");
  }

  /** One character outside any task; returns where a task starts, if one does. */
  #top(c: number, i: number, taskStart: number): number {
    const expected = (what: string) => fileError(this.line, `expected ${what} (a Label Studio file is one JSON array of task objects)`);
    switch (this.#state) {
      case Top.BeforeArray:
        if (c !== 0x5b) throw expected('"["');
        this.#state = Top.BeforeTask;
        return taskStart;
      case Top.BeforeTask:
      case Top.AfterTask:
        if (c === 0x5d) {
          this.#state = Top.Done;
          return taskStart;
        }
        if (this.#state === Top.AfterTask) {
          if (c !== 0x2c) throw expected('"," or "]"');
          this.#state = Top.BeforeTask;
          return taskStart;
        }
        if (c !== 0x7b) throw expected("a task object");
        this.#state = Top.InTask;
        this.#depth = 1;
        this.#task = [];
        this.#taskLength = 0;
        this.#taskLine = this.line;
        return i;
      default:
        throw fileError(this.line, "unexpected text after the task array");
    }
  }

  /** One character inside a task; true when it closes the task. */
  #advance(c: number): boolean {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (c === 0x5c) this.#escaped = true;
      else if (c === 0x22) this.#inString = false;
      return false;
    }
    if (c === 0x22) this.#inString = true;
    else if (c === 0x7b || c === 0x5b) this.#depth++;
    else if (c === 0x7d || c === 0x5d) this.#depth--;
    return this.#depth === 0;
  }

  #finishTask(): InputRecord {
    this.#state = Top.AfterTask;
    const raw = this.#task.join("");
    this.#task = [];
    const task = parseJsonRecord(this.#taskLine, raw);
    if (task.issue) return task;
    const data = (task.value as { data?: unknown }).data;
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      return { line: this.#taskLine, raw, issue: { path: "data", message: "a Label Studio task carries its item in a `data` object" } };
    }
    return { line: this.#taskLine, raw, value: data };
  }
}
