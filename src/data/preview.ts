// The first rows of a table as the graph will see them: each input's tokens as fed (<s>, </s>,
// <unk> shown where they will be), each target as it will be scored, or why the row is left out.
// The mapping screen shows this; the CLI prints it with --dry-run.
import type { PreparedData } from './prepare';
import type { DataProblem } from './table';
import { IGNORE_INDEX } from './vocab';
import type { SplitName } from './split';
import { SPLITS } from './split';

export interface PreviewRow {
  /** the table row (0-based) and its line in the file */
  row: number;
  line?: number;
  split?: SplitName;
  /** by input name: the symbols as fed, or numbers */
  inputs: Record<string, string[] | number[]>;
  /** by output name: the labels/symbols scored ("·" where nothing is), or numbers */
  targets: Record<string, string[] | number[]>;
  /** why the row is left out, when it is */
  dropped?: DataProblem;
}

export function previewRows(data: PreparedData, n = 5): PreviewRow[] {
  const byRow = new Map<number, { split: SplitName; i: number }>();
  for (const s of SPLITS) data.splits[s].forEach((e, i) => byRow.set(e.row, { split: s, i }));
  const dropped = new Map(data.problems.filter((p) => p.file === data.table.name && p.row !== undefined).map((p) => [p.row! - 1, p]));
  const out: PreviewRow[] = [];
  for (let r = 0; r < data.table.rows.length && out.length < n; r++) {
    const at = byRow.get(r);
    const base = { row: r, line: data.table.lines[r] };
    if (!at) {
      if (dropped.has(r)) out.push({ ...base, inputs: {}, targets: {}, dropped: dropped.get(r) });
      continue;
    }
    const ex = data.splits[at.split][at.i];
    const inputs: PreviewRow['inputs'] = {};
    for (const [name, ids] of Object.entries(ex.feeds)) {
      const p = data.inputs[name];
      inputs[name] = p.kind === 'tokens' ? Array.from(ids, (i) => p.info.vocab[i] ?? `#${i}`) : Array.from(ids);
    }
    const targets: PreviewRow['targets'] = {};
    for (const [name, y] of Object.entries(ex.targets)) {
      const labels = data.targets[name]?.labels;
      targets[name] = labels && y instanceof Int32Array ? Array.from(y, (k) => (k === IGNORE_INDEX ? '·' : labels[k] ?? `#${k}`)) : Array.from(y);
    }
    out.push({ ...base, split: at.split, inputs, targets });
  }
  return out;
}
