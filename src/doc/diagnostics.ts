// A problem found in a graph, located so that the CLI can print it and the canvas can draw it
// on the node, port or edge it concerns.
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** JSON path in the file, e.g. "nodes[2].params.hidden_size" */
  path?: string;
  node?: string;
  port?: string;
  param?: string;
  edge?: string;
  /** a summary line that stands for this many further problems, not listed one by one */
  more?: number;
}

/** How many problems one check lists in full; past it they are counted. A file with 500,000 bad
 *  edges would otherwise make a million diagnostics (hundreds of MB) that nobody can read. */
export const MAX_LISTED = 1000;

/** Collects diagnostics up to a limit and counts the rest (see MAX_LISTED). */
export class ProblemList {
  readonly items: Diagnostic[] = [];
  private unlisted = 0;
  constructor(private readonly limit = MAX_LISTED) {}

  push(d: Diagnostic): void {
    if (this.items.length < this.limit) this.items.push(d);
    else this.unlisted++;
  }

  get size(): number {
    return this.items.length + this.unlisted;
  }

  /** The listed problems, then one line counting the others when there are any. */
  done(): Diagnostic[] {
    if (!this.unlisted) return this.items;
    const n = this.unlisted.toLocaleString('en-US');
    return [...this.items, { severity: 'error', path: '(file)', message: `… and ${n} more problems of these kinds (only the first ${this.limit.toLocaleString('en-US')} are listed)`, more: this.unlisted }];
  }
}

/** How many problems a list stands for (a summary line counts as the problems it stands for). */
export function problemCount(ds: readonly Diagnostic[]): number {
  let n = 0;
  for (const d of ds) n += d.more ?? 1;
  return n;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(file)';
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path ? `${d.path}: ` : '';
  return `${d.severity}: ${where}${d.message}`;
}

export class GraphError extends Error {
  constructor(public readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'GraphError';
  }
}
