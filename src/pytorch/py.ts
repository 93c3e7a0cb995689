// Writing Python source: literals, identifiers and indented blocks. Everything the PyTorch export
// generates goes through here, so quoting, number formatting and the line-length bound live in
// one place (the export's tests read the generated code for giant literals and long lines).

/** Python 3 keywords and soft keywords a name must not be (identifiers only, not attributes) */
const KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from global if ' +
    'import in is lambda nonlocal not or pass raise return try while with yield match case type self').split(' '),
);

/** A Python string literal (JSON's escapes are Python's; non-ASCII kept as it is, the files are UTF-8). */
export function pyStr(s: string): string {
  return JSON.stringify(s);
}

/** A Python number literal: ints as ints, floats with a '.' or an exponent, infinities spelled out. */
export function pyNum(x: number, float = false): string {
  if (x === Infinity) return 'math.inf';
  if (x === -Infinity) return '-math.inf';
  if (Number.isNaN(x)) return 'math.nan';
  const s = String(x);
  if (!float || /[.e]/.test(s)) return s;
  return `${s}.0`;
}

export const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** A short Python list of numbers or strings (callers keep it short: weights are never inlined). */
export function pyList(xs: readonly (number | string)[]): string {
  return `[${xs.map((x) => (typeof x === 'number' ? pyNum(x) : pyStr(x))).join(', ')}]`;
}

export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s);
}

/** Identifier-safe spelling of a name: invalid characters become '_', a keyword gets a trailing '_'. */
export function pyIdent(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  return KEYWORDS.has(s) ? `${s}_` : s;
}

/** Unique identifiers: the first call for a base gets it, later ones base_2, base_3, ... */
export class Names {
  private used = new Set<string>();
  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.used.add(r);
  }
  take(base: string): string {
    const b = pyIdent(base);
    let s = b;
    for (let k = 2; this.used.has(s); k++) s = `${b}_${k}`;
    this.used.add(s);
    return s;
  }
  reserve(name: string): void {
    this.used.add(name);
  }
}

/** "my-node" -> "MyNode" (class names) */
export function pascal(name: string): string {
  const s = name.replace(/[^A-Za-z0-9]+/g, ' ').trim().split(/\s+/).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z_]/.test(s) ? s : `M${s}`;
}

/** Indented Python lines. `block(header, body)` writes `header:` and indents what body writes. */
export class PyWriter {
  readonly lines: string[] = [];
  private depth = 0;
  line(...ls: string[]): this {
    for (const l of ls) this.lines.push(l === '' ? '' : '    '.repeat(this.depth) + l);
    return this;
  }
  blank(): this {
    if (this.lines.length && this.lines[this.lines.length - 1] !== '') this.lines.push('');
    return this;
  }
  block(header: string, body: () => void): this {
    this.line(`${header}:`);
    this.depth++;
    const before = this.lines.length;
    body();
    if (this.lines.length === before) this.line('pass');
    this.depth--;
    return this;
  }
  /** a statement, wrapped at the commas of its outermost call or literal when it is too long */
  stmt(s: string, width = 96): this {
    return this.line(...fit(s, width - 4 * this.depth));
  }
  /** text (several lines, already indented relative to the current depth) */
  text(src: string): this {
    for (const l of src.replace(/\n+$/, '').split('\n')) this.line(l);
    return this;
  }
  toString(): string {
    return this.lines.join('\n').replace(/\n{3,}/g, '\n\n\n') + '\n';
  }
}

/**
 * A long statement `head(a, b, ...)` / `x = {k: v, ...}` as
 *     head(
 *         a, b,
 *         ...
 *     )
 * broken at the commas of its first bracket (quotes respected); short statements as they are.
 */
export function fit(s: string, width: number): string[] {
  if (s.length <= width) return [s];
  // the bracket that the statement's last character closes, and the depth-0 commas inside it
  const stack: number[] = [];
  const commas = new Map<number, number[]>();
  let q: string | null = null;
  let open = -1;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === '\\') i++;
      else if (ch === q) q = null;
    } else if (ch === '"' || ch === "'") q = ch;
    else if ('([{'.includes(ch)) {
      stack.push(i);
      commas.set(i, []);
    } else if (')]}'.includes(ch)) {
      const o = stack.pop();
      if (o !== undefined && i === s.length - 1) open = o;
    } else if (ch === ',' && stack.length) commas.get(stack[stack.length - 1])!.push(i);
  }
  if (open <= 0) return [s];
  const close = s.length - 1;
  const cuts = [open, ...commas.get(open)!, close];
  const parts = cuts.slice(1).map((c, k) => s.slice(cuts[k] + 1, c).trim()).filter(Boolean);
  const out = [s.slice(0, open + 1)];
  const dict = s[open] === '{'; // a dict: one entry per line
  let cur = '';
  for (const p of parts) {
    const next = cur ? `${cur} ${p},` : `${p},`;
    if (cur && (dict || next.length + 4 > width)) {
      out.push(`    ${cur}`);
      cur = `${p},`;
    } else cur = next;
  }
  if (cur) out.push(`    ${cur}`);
  out.push(s[close]);
  return out;
}

/** A Python docstring body wrapped at `width` columns (first line separate, as PEP 257 asks). */
export function wrap(text: string, width = 92): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const w of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + w.length > width) {
        out.push(line);
        line = w;
      } else line = line ? `${line} ${w}` : w;
    }
    out.push(line);
  }
  return out;
}
