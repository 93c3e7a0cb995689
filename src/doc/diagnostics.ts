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
