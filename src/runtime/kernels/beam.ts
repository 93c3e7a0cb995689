// Beam search for the Decode op, on the same step() as greedy decoding (kernels/decoder.ts).
//
// Each batch row keeps K = beam_width hypotheses ("slots" b·K … b·K+K−1), all stepped together as
// B·K rows. At every step the top 2K continuations of a row (by total log-probability, ties to the
// lower beam and token id) are read in order, as fairseq does:
//   - a continuation ending in </s> is finished if it ranks among the top K (one ranked lower is
//     dropped: it lost to K better ones), with its length-normalised score score / len^α,
//     len counting the emitted tokens including </s> (α = length_penalty; 0 = raw sums);
//   - the first K others become the row's next hypotheses (their states copied from the parent).
// A row stops once it holds K finished hypotheses, or at max_len (the live ones finish there).
// The winner is the finished hypothesis with the best normalised score. With K = 1 this is
// exactly greedy decoding. The winners are then replayed as forced decoding: that yields their
// per-step log-probabilities, attention and (when asked) the trace from the one code path, and
// the states of the search itself never need to be kept per step.
import { allocRun, decode, initState, prepareMemory, step, type DecodeInputs, type DecodeResult, type PreparedDecoder } from './decoder';

interface Finished {
  /** step of the last token, the parent slot at step t−1, the last token */
  t: number;
  parent: number;
  tok: number;
  norm: number;
}

export function beamSearch(P: PreparedDecoder, io: DecodeInputs, opts: { trace?: boolean } = {}): DecodeResult {
  const { H, L, eos, bos, pad, maxLen, lengthPenalty: alpha } = P.spec;
  const K = Math.max(1, P.spec.beamWidth);
  const { B } = io;
  const V = P.V;
  const n = B * K;
  const mem = prepareMemory(P, io);
  const R = allocRun(P, mem, n, K);
  initState(P, io, R);
  const h2 = new Float32Array(R.h.length), c2 = new Float32Array(R.c.length);
  const cum = new Float64Array(n).fill(-Infinity);
  const alive = new Uint8Array(n);
  for (let b = 0; b < B; b++) {
    cum[b * K] = 0;
    alive[b * K] = 1;
  }
  const prev = new Int32Array(n).fill(bos);
  // back-pointers: the slot each hypothesis came from and the token it took, per step
  const bp = new Int32Array(maxLen * n), bt = new Int32Array(maxLen * n);
  const parent = new Int32Array(n), tok = new Int32Array(n), next = new Float64Array(n), nextAlive = new Uint8Array(n);
  const topS = new Float64Array(2 * K), topI = new Int32Array(2 * K);
  const finished: Finished[][] = Array.from({ length: B }, () => []);
  const rowDone = new Uint8Array(B);
  let rowsLeft = B;
  for (let t = 0; t < maxLen && rowsLeft > 0; t++) {
    step(P, R, mem, prev, t);
    nextAlive.fill(0);
    for (let b = 0; b < B; b++) {
      if (rowDone[b]) continue;
      // the top 2K continuations of this row's live hypotheses
      let count = 0;
      for (let k = 0; k < K; k++) {
        const slot = b * K + k;
        if (!alive[slot]) continue;
        for (let v = 0; v < V; v++) {
          if (v === pad) continue; // never chosen: it marks the end of a row
          const s = cum[slot] + R.logp[slot * V + v];
          if (count === 2 * K && !(s > topS[count - 1])) continue;
          let r = count < 2 * K ? count++ : count - 1;
          while (r > 0 && s > topS[r - 1]) {
            topS[r] = topS[r - 1];
            topI[r] = topI[r - 1];
            r--;
          }
          topS[r] = s;
          topI[r] = k * V + v;
        }
      }
      let live = 0;
      for (let r = 0; r < count; r++) {
        const k = Math.floor(topI[r] / V), v = topI[r] % V, from = b * K + k;
        if (v === eos) {
          if (r < K) finished[b].push({ t, parent: from, tok: v, norm: topS[r] / Math.pow(t + 1, alpha) });
          continue;
        }
        if (live === K) continue;
        const slot = b * K + live++;
        parent[slot] = from;
        tok[slot] = v;
        next[slot] = topS[r];
        nextAlive[slot] = 1;
      }
      if (t === maxLen - 1) {
        for (let k = 0; k < live; k++) finished[b].push({ t, parent: parent[b * K + k], tok: tok[b * K + k], norm: next[b * K + k] / Math.pow(t + 1, alpha) });
      }
      if (finished[b].length >= K || t === maxLen - 1) {
        rowDone[b] = 1;
        rowsLeft--;
        for (let k = 0; k < K; k++) nextAlive[b * K + k] = 0;
      }
    }
    // move the states of the surviving hypotheses to their new slots
    for (let slot = 0; slot < n; slot++) {
      alive[slot] = nextAlive[slot];
      if (!alive[slot]) {
        cum[slot] = -Infinity;
        continue;
      }
      const p = parent[slot];
      for (let l = 0; l < L; l++) {
        h2.set(R.h.subarray((l * n + p) * H, (l * n + p + 1) * H), (l * n + slot) * H);
        c2.set(R.c.subarray((l * n + p) * H, (l * n + p + 1) * H), (l * n + slot) * H);
      }
      cum[slot] = next[slot];
      prev[slot] = tok[slot];
      bp[t * n + slot] = p;
      bt[t * n + slot] = tok[slot];
    }
    R.h.set(h2);
    R.c.set(c2);
  }
  // the best finished hypothesis of each row, spelled out through the back-pointers
  const seqs = finished.map((fs) => {
    let best = fs[0];
    for (const f of fs) if (f.norm > best.norm) best = f;
    const seq = new Array<number>(best.t + 1);
    seq[best.t] = best.tok;
    let p = best.parent;
    for (let s = best.t - 1; s >= 0; s--) {
      seq[s] = bt[s * n + p];
      p = bp[s * n + p];
    }
    return seq;
  });
  const T = Math.max(1, ...seqs.map((s) => s.length));
  const target = new Int32Array(B * T).fill(pad);
  seqs.forEach((s, b) => target.set(s, b * T));
  return decode(P, { ...io, target, T, targetLengths: seqs.map((s) => s.length) }, opts);
}
