// The runtime's public surface (Node and Web Worker alike; no DOM).
export { execute, RunError, type ExecuteOptions, type ExecuteResult } from './execute';
export { forwardTrain, backward, type TrainRunOptions, type Tape, type ForwardTrainResult, type BackwardOptions, type BackwardResult } from './train';
export { markWeightsChanged, weightsVersion } from './prepared';
export { gradTraceToJSON, gradTraceFromJSON, type GradTrace, type NodeGradTrace, type GradTraceLayer } from './grad-trace';
export { traceToJSON, traceFromJSON, type Trace, type NodeTrace, type TraceLayer, type AttentionTrace } from './trace';
export { kernelTable, TS_BACKEND, SIMD_BACKEND, type Backend } from './backend';
export { TS_KERNELS } from './kernels/table';
export type { KernelEntry, ForwardCtx, ForwardResult, BackwardCtx, TapeEntry, InputGrads, Inputs } from './kernels/types';
export { setKernelBackend, kernelBackend, initSimd, type KernelBackend } from './kernels/wasm/runtime';
export { floatTensor, intTensor, float64Tensor, type Tensor, type FArr } from './tensor';
