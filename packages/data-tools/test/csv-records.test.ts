// The CSV record reader: csv-parse's RFC 4180 reading, the quote-free route checked against it, line
// accounting, and recovery from unterminated quotes. Property runs use a fixed seed and run count.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvRecordReader, quoteProblem, type BrokenReason, type ReaderOptions } from "../src/orats/csv-records.js";

type Item =
  | { kind: "record"; text: string; fields: string[]; line: number; lastLine: number }
  | { kind: BrokenReason; text: string; line: number; field: number };

/** Reads `input` in chunks of the given sizes (cycled); returns what the reader handed over. */
function read(input: Buffer | string, chunks: number[] = [1 << 16], opts: ReaderOptions & { width?: number } = {}): Item[] {
  const out: Item[] = [];
  const reader = new CsvRecordReader(
    {
      record: (text, fields, line, lastLine) => out.push({ kind: "record", text, fields: fields ?? text.split(","), line, lastLine }),
      broken: (text, line, reason, field) => out.push({ kind: reason, text, line, field }),
    },
    opts,
  );
  reader.width = opts.width ?? 0;
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, chunks[k % chunks.length]!);
    reader.push(bytes.subarray(at, at + size));
    at += size;
  }
  reader.end();
  return out;
}

/** Physical lines of a text: CRLF, LF or CR ends one; a last line without a break counts if not empty. */
function physicalLines(text: string): number {
  const breaks = text.match(/\r\n|\n|\r/g)?.length ?? 0;
  return breaks + (/(\r\n|\n|\r)$/.test(text) || text.length === 0 ? 0 : 1);
}

describe("CsvRecordReader", () => {
  it("reads quoted fields, doubled quotes, line breaks in quotes, any line ends, a BOM and blank lines", () => {
    const text = '\uFEFFa,b\r\n1,"x\r\ny"\r\n\r\n2,é€\n"3",""""\r4,"a,b"\n  \nlast,"q"';
    const want = [
      ["a,b", ["a", "b"], 1, 1],
      ['1,"x', ["1", "x\r\ny"], 2, 3],
      ["", [""], 4, 4],
      ["2,é€", ["2", "é€"], 5, 5],
      ['"3",""""', ["3", '"'], 6, 6],
      ['4,"a,b"', ["4", "a,b"], 7, 7],
      ["  ", ["  "], 8, 8],
      ['last,"q"', ["last", "q"], 9, 9],
    ].map(([t, fields, line, lastLine]) => ({ kind: "record", text: t, fields, line, lastLine }));
    for (const chunk of [1, 2, 3, 5, 7, 1000]) {
      expect(read(text, [chunk]), `chunk ${chunk}`).toEqual(want);
      expect(read(text, [chunk], { quoteFreeRoute: false }), `csv-parse only, chunk ${chunk}`).toEqual(want);
    }
  });

  it("reads CR-only files line by line", () => {
    const got = read("h1,h2\r1,2\r3,4\r", [4]);
    expect(got.map((r) => r.kind === "record" && [r.fields, r.line])).toEqual([
      [["h1", "h2"], 1],
      [["1", "2"], 2],
      [["3", "4"], 3],
    ]);
  });

  it("cuts an unterminated quote back to its line and reads every later line", () => {
    // Line 3 opens a quote that never closes: csv-parse alone would swallow lines 3 to 6 as one field.
    const text = 'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n10,11,12\n13,14,15\n';
    for (const opts of [{}, { quoteFreeRoute: false }]) {
      const got = read(text, [3], { ...opts, width: 3 });
      expect(got).toEqual([
        { kind: "record", text: "a,b,c", fields: ["a", "b", "c"], line: 1, lastLine: 1 },
        { kind: "record", text: "1,2,3", fields: ["1", "2", "3"], line: 2, lastLine: 2 },
        { kind: "unterminated quote", text: '4,"5,6', line: 3, field: 1 },
        { kind: "record", text: "7,8,9", fields: ["7", "8", "9"], line: 4, lastLine: 4 },
        { kind: "record", text: "10,11,12", fields: ["10", "11", "12"], line: 5, lastLine: 5 },
        { kind: "record", text: "13,14,15", fields: ["13", "14", "15"], line: 6, lastLine: 6 },
      ]);
    }
  });

  it("cuts back a quote closed lines later, by a misplaced quote or into the wrong field count", () => {
    // Line 2's quote runs into line 4's `"x` (a quote followed by x: no closing quote).
    const text = 'a,b,c\n"1,2,3\n4,5,6\n7,"x,9\n10,11,12\n';
    for (const opts of [{}, { quoteFreeRoute: false }]) {
      expect(read(text, [1000], { ...opts, width: 3 }).map((r) => [r.kind, r.line])).toEqual([
        ["record", 1],
        ["unterminated quote", 2],
        ["record", 3],
        ["unterminated quote", 4],
        ["record", 5],
      ]);
    }
    // Two lines making one record of two fields, where three are expected; line 3 alone has a stray quote.
    expect(read('a,b,c\n"1,2\n3",4\n5,6,7\n', [1000], { width: 3 }).map((r) => [r.kind, r.line])).toEqual([
      ["record", 1],
      ["unterminated quote", 2],
      ["misplaced quote", 3],
      ["record", 4],
    ]);
    // The same two lines read as one record when the field count is right (line breaks in quotes are legal).
    expect(read('a,b\n"1,2\n3",4\n5,6\n', [1000], { width: 2 }).map((r) => [r.kind, r.line])).toEqual([
      ["record", 1],
      ["record", 2],
      ["record", 4],
    ]);
  });

  it("keeps a record with a line break in quotes when its field count is right", () => {
    const got = read('a,b\n"multi\nline",2\n3,4\n', [1000], { width: 2 });
    expect(got[1]).toEqual({ kind: "record", text: '"multi', fields: ["multi\nline", "2"], line: 2, lastLine: 3 });
    expect(got[2]).toMatchObject({ fields: ["3", "4"], line: 4 });
  });

  it("reports an unclosed quote on the last line, with or without a final line break", () => {
    for (const end of ["", "\n", "\r\n"]) {
      const got = read(`a,b\n1,2\n3,"4${end}`, [2], { width: 2 });
      expect(got.at(-1), JSON.stringify(end)).toEqual({ kind: "unterminated quote", text: '3,"4', line: 3, field: 1 });
    }
  });

  it("bounds an unfinished record: a quoted run past the bound is cut back, a single long line is fatal", () => {
    const body = Array.from({ length: 50 }, (_, i) => `${i},${i}`).join("\n");
    const got = read(`a,b\n1,"open\n${body}\n`, [64], { maxRecordBytes: 100 });
    expect(got.filter((r) => r.kind !== "record").map((r) => r.line)).toEqual([2]);
    expect(got.filter((r) => r.kind === "record")).toHaveLength(51);
    expect(() => read(`a,b\n${"x".repeat(300)}`, [64], { maxRecordBytes: 100 })).toThrow(/line 2: a line longer than 100 bytes/);
    expect(() => read(`a,b\n"${"x".repeat(300)}`, [64], { maxRecordBytes: 100 })).toThrow(/line 2: a line longer than 100 bytes/);
  });

  it("passes the sink's errors through, from either route", () => {
    for (const text of ["a,b\n1,2\n", 'a,"b"\n1,2\n']) {
      const reader = new CsvRecordReader({
        record: (_t, _f, line) => {
          if (line === 2) throw new Error("stop at 2");
        },
        broken: () => undefined,
      });
      expect(() => {
        reader.push(Buffer.from(text));
        reader.end();
      }).toThrow("stop at 2");
    }
  });
});

describe("quoteProblem", () => {
  it("names the first quote problem of a line and its field", () => {
    const cases: [string, BrokenReason, number][] = [
      ['a,"b,c', "unterminated quote", 1],
      ['"a', "unterminated quote", 0],
      ['a,b,"', "unterminated quote", 2],
      ['a,"b"",c', "unterminated quote", 1],
      ['a,x"y,"z', "misplaced quote", 1],
      ['a,"b"x,c', "misplaced quote", 1],
      ['"a"b,"c', "misplaced quote", 0],
      ['a,"b,"c', "misplaced quote", 1], // the quote before c does not close b's (c follows it): misplaced
      ["a,b,c", "misplaced quote", -1],
    ];
    for (const [line, reason, field] of cases) expect(quoteProblem(line), line).toEqual({ reason, field });
  });
});

describe("CsvRecordReader: misplaced quotes", () => {
  it("skips a line with a quote inside a field or after a closing quote, and reads on", () => {
    const text = 'a,b\nS"P,1\n"x"y,2\nok,3\n';
    for (const opts of [{}, { quoteFreeRoute: false }]) {
      expect(read(text, [2], { ...opts, width: 2 })).toEqual([
        { kind: "record", text: "a,b", fields: ["a", "b"], line: 1, lastLine: 1 },
        { kind: "misplaced quote", text: 'S"P,1', line: 2, field: 0 },
        { kind: "misplaced quote", text: '"x"y,2', line: 3, field: 0 },
        { kind: "record", text: "ok,3", fields: ["ok", "3"], line: 4, lastLine: 4 },
      ]);
    }
  });
});

// ---- properties ------------------------------------------------------------------------------------

const cell = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9. /-]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom("é", "€", "𝄞", " x ", "\t") },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z,"\r\n ]{0,5}$/) },
);
const lineEnd = fc.constantFrom("\n", "\r\n", "\r");

/** A well-formed CSV: records of cells, quoted when needed (and sometimes when not), any line ends. */
const wellFormed = fc
  .record({
    width: fc.integer({ min: 1, max: 4 }),
    rows: fc.integer({ min: 0, max: 12 }),
    seedCells: fc.array(cell, { minLength: 60, maxLength: 60 }),
    quoteAll: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
    ends: fc.array(lineEnd, { minLength: 13, maxLength: 13 }),
    finalBreak: fc.boolean(),
    bom: fc.boolean(),
  })
  .map(({ width, rows, seedCells, quoteAll, ends, finalBreak, bom }) => {
    const records: string[][] = [];
    let k = 0;
    for (let r = 0; r < rows + 1; r++) {
      const rec: string[] = [];
      for (let c = 0; c < width; c++, k++) rec.push(seedCells[k % seedCells.length]!);
      // A one-field record that is empty would be written as an empty line: fine, it reads back as [""].
      records.push(rec);
    }
    const last = records.length - 1;
    const text = records
      .map((rec, r) => {
        const line = rec
          .map((v, c) => {
            // An empty line is a record of one empty field, except as the very end of the text (no record
            // at all) or after a CR (the CR and the next line's LF are one CRLF): there it must be quoted.
            const lone = width === 1 && v === "" && ((r === last && !finalBreak) || (r > 0 && ends[(r - 1) % ends.length] === "\r"));
            const quoted = lone || quoteAll[(r * width + c) % quoteAll.length] || /[",\r\n]/.test(v);
            return quoted ? `"${v.replaceAll('"', '""')}"` : v;
          })
          .join(",");
        return line + (r < last || finalBreak ? ends[r % ends.length] : "");
      })
      .join("");
    return { width, records, text: (bom ? "\uFEFF" : "") + text };
  });

/** Any text over the characters that matter to CSV: quotes, commas, every line end, blanks. */
const anyText = fc
  .array(fc.constantFrom("a", "1", ",", '"', '""', "\n", "\r", "\r\n", " ", "é", "x,y", '"q"'), { maxLength: 60 })
  .map((parts) => parts.join(""));

const chunking = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 });

/** A quote-free table of `width` fields, one line per row, with a lone `"` opening one field of one row. */
const strayQuote = fc
  .record({
    width: fc.integer({ min: 2, max: 5 }),
    rows: fc.array(fc.array(fc.stringMatching(/^[A-Za-z0-9.]{0,4}$/), { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 15 }),
    at: fc.nat(),
    field: fc.nat(),
    end: lineEnd,
  })
  .map(({ width, rows, at, field, end }) => {
    const table = rows.map((r) => r.slice(0, width).concat(Array(Math.max(0, width - r.length)).fill("")));
    const bad = at % table.length;
    const lines = table.map((r, i) => (i === bad ? r.map((v, c) => (c === field % width ? `"${v}` : v)) : r).join(","));
    return { width, table, bad, text: lines.join(end) + end };
  });

describe("CsvRecordReader: properties", () => {
  it("skips only the line of a stray opening quote and reads every other line as itself", () => {
    fc.assert(
      fc.property(strayQuote, chunking, fc.boolean(), ({ width, table, bad, text }, chunks, fast) => {
        const got = read(text, chunks, { width, quoteFreeRoute: fast });
        expect(got.map((r) => (r.kind === "record" ? r.fields : r.kind))).toEqual(
          table.map((row, i) => (i === bad ? "unterminated quote" : row)),
        );
        expect(got.map((r) => r.line)).toEqual(table.map((_, i) => i + 1));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it("reads back every record of a well-formed CSV, fields and lines exact, whatever the chunking", () => {
    fc.assert(
      fc.property(wellFormed, chunking, ({ width, records, text }, chunks) => {
        const lines: number[] = [];
        const got = read(text, chunks, { width });
        expect(got.every((r) => r.kind === "record")).toBe(true);
        expect(got.map((r) => (r as { fields: string[] }).fields)).toEqual(records);
        for (const r of got) if (r.kind === "record") for (let l = r.line; l <= r.lastLine; l++) lines.push(l);
        const body = text.replace(/^\uFEFF/, "");
        expect(lines).toEqual(Array.from({ length: physicalLines(body) }, (_, i) => i + 1));
      }),
      { seed: 20240611, numRuns: 300 },
    );
  });

  it("gives exactly what csv-parse alone gives, and accounts for every physical line once", () => {
    fc.assert(
      fc.property(anyText, chunking, chunking, fc.integer({ min: 0, max: 3 }), (text, c1, c2, width) => {
        const fast = read(text, c1, { width });
        const slow = read(text, c2, { width, quoteFreeRoute: false });
        expect(fast).toEqual(slow);
        const covered: number[] = [];
        for (const r of fast) for (let l = r.line; l <= (r.kind === "record" ? r.lastLine : r.line); l++) covered.push(l);
        expect(covered).toEqual(Array.from({ length: physicalLines(text) }, (_, i) => i + 1));
      }),
      { seed: 42, numRuns: 1500 },
    );
  });
});
