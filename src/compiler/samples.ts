// The graph's samples checked against the inputs they feed, as `run` will read them: a value for
// every input, text for token inputs, numbers nested as the input's shape with the right feature
// count, no ragged rows and no empty axis, and one batch size across a sample's inputs. So
// `validate` and `export` refuse a sample that `run` would refuse.
import type { Diagnostic } from '../doc/diagnostics';
import type { GraphDoc } from '../doc/schema';
import { own } from '../doc/dict';
import type { Program } from '../ir/program';
import { sampleToTensor } from '../runtime/tokenize';

export function sampleProblems(doc: GraphDoc, program: Program): Diagnostic[] {
  const out: Diagnostic[] = [];
  (doc.samples ?? []).forEach((s, i) => { // a document built in code may leave samples out
    const err = (path: string, message: string, node?: string) => out.push({ severity: 'error', path, message: `sample "${s.name}": ${message}`, node });
    let batch: { size: number; input: string } | null = null;
    for (const inp of program.inputs) {
      const path = `samples[${i}].inputs.${inp.name}`;
      const v = own(s.inputs, inp.name);
      if (v === undefined) {
        err(`samples[${i}].inputs`, `has no value for input "${inp.name}" (every sample gives every input the model reads)`, inp.node);
        continue;
      }
      const t = sampleToTensor(inp, v);
      if (typeof t === 'string') {
        err(path, t, inp.node);
        continue;
      }
      const fixed = inp.shape.findIndex((d, k) => typeof d === 'number' && t.shape[k] !== d);
      if (t.shape.length !== inp.shape.length || fixed >= 0) {
        err(path, `input "${inp.name}" takes shape [${inp.shape.join(', ')}]; the sample is [${t.shape.join(', ')}]`, inp.node);
        continue;
      }
      const b = inp.shape.indexOf('B');
      if (b < 0) continue;
      if (batch && batch.size !== t.shape[b]) err(path, `has ${t.shape[b]} rows for "${inp.name}" but ${batch.size} for "${batch.input}"; every input of a sample needs the same batch size`, inp.node);
      batch ??= { size: t.shape[b], input: inp.name };
    }
  });
  return out;
}
