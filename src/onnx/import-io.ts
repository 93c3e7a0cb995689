// Feeding an imported graph with the ONNX model's own inputs, and reading its outputs back in the
// model's layout. seqgraph graphs are batch-first ([B,T,F]; states [L·D,B,H]); a model may be
// time-major, return a recurrent Y as [T,D,B,H], drop the batch axis, or feed an LSTM's c as its
// own input. The import records each input's and output's layout (IoMap), and these two
// functions apply it: the same numbers, rearranged, so the model's test data runs as it is.
import { arr, type Arr } from './import-array';
import { fromCanonical, toCanonical } from './import-layout';
import type { IoMap } from './import-graph';
import type { Tensor } from '../runtime/tensor';

const toArr = (t: Tensor): Arr => arr(t.dtype === 'int64' ? 'int' : 'float', t.shape, t.data);
const toTensor = (a: Arr, dtype: 'float32' | 'int64'): Tensor =>
  dtype === 'int64' ? { dtype, shape: [...a.shape], data: Int32Array.from(a.data) } : { dtype, shape: [...a.shape], data: Float32Array.from(a.data) };

/** ONNX model feeds (by ONNX input name) -> seqgraph feeds (by Input name) */
export function feedsFromOnnx(inputs: IoMap[], feeds: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const m of inputs) {
    const t = feeds[m.onnx];
    if (!t) throw new Error(`no feed for the model's input '${m.onnx}'`);
    out[m.seqgraph] = toTensor(toCanonical(toArr(t), m.layout, m.rank, `input '${m.onnx}'`), m.dtype);
  }
  return out;
}

/** seqgraph outputs (by Output name) -> the model's outputs (by ONNX output name), in the model's layout */
export function outputsToOnnx(outputs: IoMap[], results: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const m of outputs) {
    const t = results[m.seqgraph];
    if (!t) throw new Error(`the graph returned no '${m.seqgraph}' (for the model's output '${m.onnx}')`);
    out[m.onnx] = toTensor(fromCanonical(toArr(t), m.layout, `output '${m.onnx}'`), m.dtype);
  }
  return out;
}
