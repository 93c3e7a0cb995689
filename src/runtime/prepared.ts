// What is prepared once per program — weights re-laid out for the kernels (transposed, packed
// into wasm memory), scratch buffers — and how it follows weight updates.
//
// The weights-changed path: a Program's weights are its initializers' arrays. Kernels derive
// copies of some of them (a Dense layer's Wᵀ, a recurrent layer's packed W_ih/W_hh and folded
// biases, the same in wasm memory, a decoder's transposed matrices). Whoever writes weights in
// place (an optimiser step, a loaded checkpoint) calls markWeightsChanged(program, names?): every
// derived copy of those weights is re-derived before the next run — in place, over the same
// buffers and wasm blocks, so a training loop does not grow memory. Replacing an initializer's
// tensor object (program.initializers[name] = …) is noticed without a call (its array differs
// from the one the copy was made from). Each program also carries a version, bumped by every
// markWeightsChanged, for caches outside the runtime (weightsVersion).
import type { OpName } from '../ir/ops';
import type { Program } from '../ir/program';
import { RunError, nodeOf } from './errors';
import { Workspace } from './kernels/recurrent';
import type { KernelEntry } from './kernels/types';
import type { Tensor } from './tensor';

export class Prepared {
  readonly float64: boolean;
  readonly ws: Workspace;
  /** per op index: what its kernel's prepare() made */
  readonly states: unknown[] = [];
  /** per op index: the initializer arrays that state was derived from */
  private sources: (ArrayLike<number> | undefined)[][] = [];
  private dirty: boolean[] = [];
  constructor(readonly program: Program) {
    this.float64 = Object.values(program.initializers).some((t) => t.data instanceof Float64Array);
    this.ws = new Workspace(this.float64);
  }

  /** (Re)prepare every op that was never prepared, was marked changed, or whose weight arrays were replaced. */
  sync(table: Record<OpName, KernelEntry>): void {
    const p = this.program;
    p.ops.forEach((op, k) => {
      const prepare = table[op.op].prepare;
      if (!prepare) return;
      const src = op.inputs.map((n) => (n ? p.initializers[n]?.data : undefined));
      const old = this.sources[k];
      const fresh = old === undefined || this.dirty[k] || src.some((a, i) => a !== old[i]);
      if (!fresh) return;
      const weight = (i: number): Tensor | undefined => (op.inputs[i] ? p.initializers[op.inputs[i]] : undefined);
      try {
        this.states[k] = prepare(op, weight, old === undefined ? undefined : this.states[k]);
      } catch (e) {
        throw new RunError(`node ${nodeOf(p, op.node)} (${op.op}): ${(e as Error).message}`, { node: op.node, op: op.op });
      }
      this.sources[k] = src;
      this.dirty[k] = false;
    });
  }

  /** the weights named (all when undefined) were written in place */
  invalidate(names?: ReadonlySet<string>): void {
    this.program.ops.forEach((op, k) => {
      if (!names || op.inputs.some((n) => n !== '' && names.has(n))) this.dirty[k] = true;
    });
  }
}

const prepared = new WeakMap<Program, Prepared>();
const versions = new WeakMap<Program, number>();

export function preparedOf(p: Program): Prepared {
  let x = prepared.get(p);
  if (!x) prepared.set(p, (x = new Prepared(p)));
  return x;
}

/**
 * Say that weights of `program` were written in place (all of them, or the initializers named):
 * every cache derived from them is re-derived before the next execute / forwardTrain.
 */
export function markWeightsChanged(program: Program, names?: string[]): void {
  if (names) {
    for (const n of names) if (!(n in program.initializers)) throw new RunError(`markWeightsChanged: "${n}" is not a weight of this program`);
  }
  versions.set(program, weightsVersion(program) + 1);
  prepared.get(program)?.invalidate(names ? new Set(names) : undefined);
}

/** how many times markWeightsChanged was called on this program (0 at first) */
export function weightsVersion(program: Program): number {
  return versions.get(program) ?? 0;
}
