/**
 * The streaming readers on their own: records and line numbers must not
 * depend on where the byte stream is cut, quoted line breaks stay inside
 * their CSV record, and a Label Studio array is read task by task.
 */
import { describe, expect, it } from "vitest";
import { readCsv } from "../../src/formats/csv.js";
import { readJsonl } from "../../src/formats/jsonl.js";
import { readLabelStudio } from "../../src/formats/label-studio.js";
import type { InputRecord } from "../../src/formats/records.js";
import { isSealroomError } from "../../src/domain/errors.js";
import { chunks } from "../support/items.js";

async function all(gen: AsyncGenerator<InputRecord[]>): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for await (const batch of gen) out.push(...batch);
  return out;
}

const brief = (r: InputRecord) => (r.issue ? { line: r.line, issue: r.issue.path } : { line: r.line, value: r.value });
const mapping = { json: ["tags", "meta"], boolean: ["flag"], integer: ["n"] };

describe("JSONL reader", () => {
  const text = '\ufeff{"a":1}\r\n\n{"a":2}\n{"a": oops}\n   \n{"a":"é✓😀"}';

  it.each([1, 2, 3, 5, 64])("gives the same records whatever the chunk size (%i bytes)", async (size) => {
    const records = await all(readJsonl(chunks(text, size)));
    expect(records.map(brief)).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 3, value: { a: 2 } },
      { line: 4, issue: "(line)" },
      { line: 6, value: { a: "é✓😀" } },
    ]);
  });

  it("reports a line that is not UTF-8 and reads on", async () => {
    const bytes = Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), Buffer.from('{"a":3}\n')]);
    const records = await all(readJsonl(chunks(bytes, 3)));
    expect(records.map(brief)).toEqual([{ line: 1, value: { a: 1 } }, { line: 2, issue: "(line)" }, { line: 3, value: { a: 3 } }]);
    expect(records[1]!.issue!.message).toMatch(/UTF-8/);
  });

  it("does not repeat the line's content in a JSON error", async () => {
    const [r] = await all(readJsonl(chunks('{"secret": "TOPSECRET-LINE" oops}\n')));
    expect(r!.issue!.message).toMatch(/not valid JSON/);
    expect(r!.issue!.message).not.toContain("TOPSECRET");
  });
});

describe("CSV reader", () => {
  const text = 'id,text,tags,flag,n,meta.lang\r\n1,"hello, ""world""",["x"],true,7,en\r\n2,"two\nlines\r\nhere",,no,,\r\n\r\n3,plain,[bad,1,x,\n4,"unclosed\n';

  it.each([1, 2, 4, 9, 1000])("keeps quoted line breaks inside a record and numbers records by their first line (chunks of %i)", async (size) => {
    const records = await all(readCsv(chunks(text, size), mapping));
    expect(records.map(brief)).toEqual([
      { line: 2, value: { id: "1", text: 'hello, "world"', tags: ["x"], flag: true, n: 7, meta: { lang: "en" } } },
      { line: 3, value: { id: "2", text: "two\nlines\r\nhere", flag: false } },
      { line: 7, issue: "tags" },
      { line: 8, issue: "(line)" },
    ]);
  });

  it("names the column of a bad cell and the count of a short row", async () => {
    const records = await all(readCsv(chunks("id,flag,n\n1,maybe,2\n2,true,x\n3,true\n"), mapping));
    expect(records.map((r) => [r.line, r.issue?.path, r.issue?.message])).toEqual([
      [2, "flag", "must be true or false"],
      [3, "n", "must be an integer"],
      [4, "(line)", "has 2 fields but the header has 3"],
    ]);
  });

  it("refuses a header that could reach an object prototype", async () => {
    await expect(all(readCsv(chunks("id,__proto__.x\n1,2\n"), mapping))).rejects.toSatisfy((e) => isSealroomError(e, "validation_failed"));
  });
});

describe("Label Studio reader", () => {
  const tasks = [
    { id: 1, data: { id: "a", text: 'braces } { and "quotes" \\ inside' }, annotations: [{ result: [{ value: { choices: ["x"] } }] }] },
    { id: 2, data: { id: "b", nested: [[1, { k: "]" }]] } },
    { id: 3, meta: "no data object" },
  ];
  const text = JSON.stringify(tasks, null, 2);

  it.each([1, 3, 17, 100000])("reads each task's data object, numbered by the line its task starts on (chunks of %i)", async (size) => {
    const records = await all(readLabelStudio(chunks(text, size)));
    const starts = text.split("\n").flatMap((l, i) => (l === "  {" ? [i + 1] : []));
    expect(records.map(brief)).toEqual([
      { line: starts[0], value: tasks[0]!.data },
      { line: starts[1], value: tasks[1]!.data },
      { line: starts[2], issue: "data" },
    ]);
  });

  it("refuses a file that is not one array of task objects", async () => {
    for (const bad of ['{"data": {}}', "[1, 2]", '[{"data": {}} {"data": {}}]', '[{"data": {}}', ""]) {
      await expect(all(readLabelStudio(chunks(bad))), bad).rejects.toSatisfy((e) => isSealroomError(e, "validation_failed"));
    }
  });
});
