// The user's own files: CSV/TSV (quotes, BOM, CRLF, embedded newlines), JSON lines and plain
// text, with every unreadable row reported by file, line and reason; and the DataSpec schema's
// errors, which name the path in the graph file.
import { describe, it, expect } from 'vitest';
import { parseTable, formatFromName } from '../../src/data/parse';
import { parseDataSpec } from '../../src/data/spec';
import { formatProblem } from '../../src/data/table';

describe('CSV and TSV', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, a BOM and CRLF line ends', () => {
    const text = '\uFEFFname,note\r\n"Smith, Jo","said ""hi"""\r\n"two\r\nlines",x\r\nplain,y\r\n';
    const t = parseTable(text, { file: 'people.csv' });
    expect(t.columns).toEqual(['name', 'note']); // no BOM in the first column's name
    expect(t.rows).toEqual([
      { name: 'Smith, Jo', note: 'said "hi"' },
      { name: 'two\nlines', note: 'x' },
      { name: 'plain', note: 'y' },
    ]);
    // a row's line is where it starts: the quoted newline pushes the next row to line 5
    expect(t.lines).toEqual([2, 3, 5]);
    expect(t.problems).toEqual([]);
  });

  it('reports bad rows with their line and row numbers and keeps the good ones', () => {
    const text = 'word,label\nok,a\n\nshort\ntoo,many,fields\nfine,b\nbad,"unterminated\n';
    const t = parseTable(text, { file: 'd.csv' });
    expect(t.rows.map((r) => r.word)).toEqual(['ok', 'fine']);
    expect(t.lines).toEqual([2, 6]);
    const p = t.problems.map((x) => [x.kind, x.line, x.row]);
    expect(p).toEqual([
      ['empty', 3, 2],
      ['parse_error', 4, 3],
      ['parse_error', 5, 4],
      ['parse_error', 7, 6],
    ]);
    expect(formatProblem(t.problems[1])).toBe('d.csv line 4: has 1 fields, the header has 2');
    expect(t.problems[3].message).toMatch(/Quoted field unterminated/);
  });

  it('reads TSV by extension, headerless files with numbered columns, and other delimiters', () => {
    expect(formatFromName('x.tsv')).toBe('tsv');
    expect(formatFromName('x.NDJSON')).toBe('jsonl');
    expect(formatFromName('corpus.txt')).toBe('text');
    const t = parseTable('a\tb,c\n1\t2,3\r\n', { file: 'x.tsv' });
    expect(t.columns).toEqual(['a', 'b,c']);
    expect(t.rows).toEqual([{ a: '1', 'b,c': '2,3' }]);
    const h = parseTable('x;1\ny;2\n', { file: 'y.csv', header: false, delimiter: ';' });
    expect(h.columns).toEqual(['1', '2']);
    expect(h.rows).toEqual([{ '1': 'x', '2': '1' }, { '1': 'y', '2': '2' }]);
  });

  it('renames a repeated or empty header so no column hides another', () => {
    const t = parseTable('a,a,\n1,2,3\n', { file: 'h.csv' });
    expect(t.columns).toEqual(['a', 'a_2', '3']);
  });
});

describe('JSON lines', () => {
  it('reads objects, collects columns in order, reports bad lines with line numbers', () => {
    const text = '\uFEFF{"text": "hi", "label": "a"}\r\n{"text": "yo", "x": [1, 2]}\r\n\r\n[1,2]\r\n{"text": oops}\r\n"str"\r\n';
    const t = parseTable(text, { file: 'd.jsonl' });
    expect(t.columns).toEqual(['text', 'label', 'x']);
    expect(t.rows).toEqual([{ text: 'hi', label: 'a' }, { text: 'yo', x: [1, 2] }]);
    expect(t.lines).toEqual([1, 2]);
    expect(t.problems.map((p) => [p.kind, p.line])).toEqual([
      ['empty', 3],
      ['parse_error', 4],
      ['parse_error', 5],
      ['parse_error', 6],
    ]);
    expect(t.problems[1].message).toMatch(/JSON object/);
    expect(t.problems[2].message).toMatch(/not valid JSON/);
  });
});

describe('plain text', () => {
  it('windows: window + 1 characters every stride, by code point, with the line each starts on', () => {
    const t = parseTable('ab\r\ncdé😀fg', { file: 'c.txt', text: { window: 3, stride: 2 } });
    expect(t.kind).toBe('windows');
    // CRLF is read as one \n; the emoji is one symbol, as the runtime's character tokenizer splits
    expect(t.rows.map((r) => r.text)).toEqual(['ab\nc', '\ncdé', 'dé😀f']);
    expect(t.lines).toEqual([1, 1, 2]);
  });
  it('lines: each non-empty line is an example; blank lines are reported', () => {
    const t = parseTable('anna\n\nbob\r\n', { file: 'n.txt', text: { mode: 'lines' } });
    expect(t.rows).toEqual([{ text: 'anna' }, { text: 'bob' }]);
    expect(t.problems.map((p) => [p.kind, p.line])).toEqual([['empty', 2]]);
  });
});

describe('DataSpecSchema', () => {
  it('fills defaults and expands a column name to a token mapping', () => {
    const r = parseDataSpec({ source: { builtin: 'names-gender' }, inputs: { name: 'name' }, targets: { probs: 'gender' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.inputs.name).toEqual({ column: 'name', vocab: 'graph', min_count: 1, too_long: 'drop', unknown: 'unk' });
    expect(r.spec.targets.probs).toEqual({ column: 'gender', labels: 'output' });
    expect(r.spec.split).toEqual({ validation: 0.1, test: 0.1, seed: 1 });
  });
  it('names the path and the reason of every problem', () => {
    const r = parseDataSpec({
      source: { builtin: 'nope' },
      inputs: { name: { column: 'name', vocab: 'mine' }, x: 5 },
      split: { validation: 0.6, test: 0.5 },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    expect(paths).toContain('training.data.source');
    expect(paths).toContain('training.data.inputs.name');
    expect(paths).toContain('training.data.inputs.x');
    expect(paths).toContain('training.data.split');
    expect(r.problems.find((p) => p.path === 'training.data.inputs.x')!.message).toMatch(/column name/);
    expect(r.problems.find((p) => p.path === 'training.data.split')!.message).toMatch(/validation \+ test/);
  });
});
