// The Web Worker that exports graphs to ONNX and checks them in onnxruntime-web (wasm), so
// neither the export nor onnxruntime's run freezes the canvas. onnxruntime-web's .wasm is
// bundled by Vite with this worker and served by the app itself (never a CDN).
import { onnxJob, type OnnxRequest, type OnnxResponse } from './onnx-job';

const scope = self as unknown as { onmessage: ((ev: MessageEvent<OnnxRequest>) => void) | null; postMessage(msg: OnnxResponse, transfer?: Transferable[]): void };

scope.onmessage = async (ev) => {
  let res: OnnxResponse;
  try {
    res = await onnxJob(ev.data);
  } catch (e) {
    res = { id: ev.data.id, ok: false, stage: 'export', message: `unexpected failure: ${(e as Error).message}` };
  }
  scope.postMessage(res, res.ok ? [res.bytes.buffer as ArrayBuffer] : []);
};
