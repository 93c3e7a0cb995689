// The runtime's training entry points as the trainer uses them (agreed in TEAM.md; built by
// branch train-core): forwardTrain, backward, markWeightsChanged.
export { forwardTrain, backward, markWeightsChanged, type GradTrace, type Trace } from '../runtime/index';

/** a recurrent layer's state, carried between truncated-BPTT chunks */
export interface RecurrentState {
  h: Float32Array;
  c?: Float32Array;
}
