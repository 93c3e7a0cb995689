// Opt-in timers for a training step's phases, so the benchmark can say where the time goes
// (npm run bench: preparing weights, the forward pass, backward, and within a recurrent layer's
// SIMD backward the copies in, the BPTT loop and the weight-gradient products).
// Off by default: each probe is then one branch.

export interface TrainPhases {
  /** re-deriving weight layouts after an update (markWeightsChanged → prepare), in forwardTrain */
  prepare: number;
  /** forwardTrain's ops */
  forward: number;
  /** all of backward() */
  backward: number;
  /** recurrent SIMD backward: copying dY, X and previous states in, packing W_hh / W_ih */
  bpttSetup: number;
  /** recurrent SIMD backward: the time loop (gate-gradient kernels, per-step dh·W_hh) */
  bpttLoop: number;
  /** recurrent SIMD backward: dW_ih, dW_hh, biases, dX, copying them out */
  bpttWeights: number;
}

export const trainProfile = {
  on: false,
  /** milliseconds; the benchmark may set a CPU-time clock (a shared machine's wall clock jumps) */
  clock: (): number => performance.now(),
  t: { prepare: 0, forward: 0, backward: 0, bpttSetup: 0, bpttLoop: 0, bpttWeights: 0 } as TrainPhases,
  reset(): void {
    for (const k of Object.keys(this.t) as (keyof TrainPhases)[]) this.t[k] = 0;
  },
};

export const now = (): number => (trainProfile.on ? trainProfile.clock() : 0);
