// onnxruntime-web on N threads for the browser bench page, in a realm of its own: ort reads
// env.wasm.numThreads once per realm, and the page's own ort is the 1-thread one. Messages:
// { kind: 'init', numThreads, ortDir } then { kind: 'run', id, bytes?, feeds? } (the model and
// feeds travel with a case's first run only); replies { call, outs } or { call, error }.
import { configureOrt, runOnnx } from '../onnx/ort';
import type { Tensor } from '../runtime/tensor';

const models = new Map<number, { bytes: Uint8Array; feeds: Record<string, Tensor> }>();

self.onmessage = async (e: MessageEvent<{ call: number; kind: string; numThreads?: number; ortDir?: string; id?: number; bytes?: Uint8Array; feeds?: Record<string, Tensor> }>) => {
  const m = e.data;
  try {
    if (m.kind === 'init') {
      configureOrt({ wasmPaths: m.ortDir, numThreads: m.numThreads });
      self.postMessage({ call: m.call, outs: {} });
      return;
    }
    if (m.bytes && m.feeds) models.set(m.id!, { bytes: m.bytes, feeds: m.feeds });
    const model = models.get(m.id!);
    if (!model) throw new Error(`no model ${m.id}`);
    self.postMessage({ call: m.call, outs: { ...(await runOnnx(model.bytes, model.feeds)) } });
  } catch (err) {
    self.postMessage({ call: m.call, error: (err as Error).message ?? String(err) });
  }
};
