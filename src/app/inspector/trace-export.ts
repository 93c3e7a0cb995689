// What the inspector exports, as text: the whole trace as JSON in exactly the format
// `seqgraph run --trace` writes (the same traceToJSON, so a file from the app and one from the
// command line compare number for number), a node's heatmaps and an attention matrix as CSV,
// (the way back, a trace file read into a Trace, is traceFromJSON beside traceToJSON).
// Pure functions: no DOM, no React (downloads are in download.ts).
import { traceToJSON, type AttentionTrace, type NodeTrace, type Trace, type TraceLayer } from '../../runtime/trace';
import { quantitiesOf, queriesByKeys, valueAt } from './trace-quantities';

/** The trace as `seqgraph run --trace` writes it (one line of JSON and a newline). */
export function traceJSONText(trace: Trace): string {
  return JSON.stringify(traceToJSON(trace)) + '\n';
}

/** Quotes a CSV field when it needs it (tokens may be commas, quotes or spaces). */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One node's layer and direction as tidy CSV, one value per line:
 * quantity,layer,direction,row,step,token,unit,value. Real steps only, every row unless `rows`
 * narrows it. Values are written as JavaScript prints the float32 (exact, round-trips).
 */
export function nodeCSV(node: NodeTrace, layers: TraceLayer[], rows?: number[]): string {
  const lines = ['quantity,layer,direction,row,step,token,unit,value'];
  const H = node.hidden_size;
  const T = node.steps;
  for (const layer of layers) {
    for (const q of quantitiesOf(layer)) {
      for (const b of rows ?? Array.from({ length: node.batch }, (_, i) => i)) {
        const len = node.lengths[b] ?? T;
        for (let t = 0; t < len; t++) {
          const tok = csvField(node.tokens?.[b]?.[t] ?? '');
          const prefix = `${q.key},${layer.layer},${layer.direction},${b},${t},${tok},`;
          const base = (b * T + t) * H;
          for (let u = 0; u < H; u++) lines.push(prefix + u + ',' + q.data[base + u]);
        }
      }
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * One attention matrix as CSV: a header of the key symbols, then one line per query step
 * (its symbol first, then its weights over the keys). Real queries and keys only.
 */
export function attentionCSV(a: AttentionTrace, row: number, head: number): string {
  const m = queriesByKeys(a, row, head);
  const keys = Array.from({ length: m.validCols }, (_, k) => csvField(a.key_tokens?.[row]?.[k] ?? String(k)));
  const lines = [['query\\key', ...keys].join(',')];
  for (let q = 0; q < m.validRows; q++) {
    const vals: string[] = [csvField(a.query_tokens?.[row]?.[q] ?? String(q))];
    for (let k = 0; k < m.validCols; k++) vals.push(String(valueAt(m, q, k)));
    lines.push(vals.join(','));
  }
  return lines.join('\n') + '\n';
}

/** Parses CSV written by attentionCSV / nodeCSV (quoted fields included); for tests and round trips. */
export function parseCSV(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (ch !== '\r') field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}
