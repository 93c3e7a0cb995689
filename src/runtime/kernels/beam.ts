// Beam search for the Decode op, on the same step() as greedy decoding (kernels/decoder.ts).
//
// Each batch row keeps K = beam_width hypotheses ("slots" b·K … b·K+K−1), all stepped together as
// B·K rows. At every step the top 2K continuations of a row (by total log-probability, ties to the
// lower beam and token id; never <pad> nor <s>) are read in order, as fairseq and Hugging Face do:
//   - a continuation ending in </s> is finished if it ranks among the top K (one ranked lower is
//     dropped: it lost to K better ones), with its length-normalised score score / len^α,
//     len counting the emitted tokens including </s> (α = length_penalty; 0 = raw sums);
//   - the first K others become the row's next hypotheses (each takes its parent's state).
// The winner is the finished hypothesis with the best normalised score. A row stops
//   - by default, once no live hypothesis can beat the best finished one: log-probabilities are
//     ≤ 0, so a live hypothesis with total s can end at best with s / max_len^α (α > 0; s itself
//     for α = 0), and the row stops when the best finished score is at least that bound for
//     every live one (Hugging Face's early_stopping="never"; exact, not a heuristic);
//   - with earlyStopping, as soon as it holds K finished hypotheses (Hugging Face's
//     early_stopping=True; cheaper, and a live hypothesis — often greedy's path — may have won);
//   - at max_len, where the live hypotheses finish.
// With K = 1 and earlyStopping this is exactly greedy decoding. The winners are then replayed as
// forced decoding: that yields their per-step log-probabilities, attention and (when asked) the
// trace from the one code path, so each returned score is the log-probability of its tokens.
import { allocRun, bannedIds, decode, fillId, initState, prepareMemory, step, type DecodeInputs, type DecodeResult, type PreparedDecoder } from './decoder';

interface Finished {
  /** step of the last token, the parent slot at step t−1, the last token */
  t: number;
  parent: number;
  tok: number;
  norm: number;
}

export function beamSearch(P: PreparedDecoder, io: DecodeInputs, opts: { trace?: boolean } = {}): DecodeResult {
  const { H, L, eos, bos, maxLen, lengthPenalty: alpha } = P.spec;
  const early = P.spec.earlyStopping === true;
  const K = Math.max(1, P.spec.beamWidth);
  const { B } = io;
  const V = P.V;
  const n = B * K;
  const banned = bannedIds(P.spec, V);
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
  const best: (Finished | null)[] = new Array(B).fill(null);
  const nFinished = new Int32Array(B);
  const finish = (b: number, f: Finished) => {
    nFinished[b]++;
    if (best[b] === null || f.norm > best[b]!.norm) best[b] = f;
  };
  // the best normalised score a live hypothesis with total s can still reach (log-probs are ≤ 0)
  const reachable = (s: number) => (alpha > 0 ? s / Math.pow(maxLen, alpha) : s);
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
          if (banned[v]) continue; // <pad> marks the end of a row; <s> only starts one
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
          if (r < K) finish(b, { t, parent: from, tok: v, norm: topS[r] / Math.pow(t + 1, alpha) });
          continue;
        }
        if (live === K) continue;
        const slot = b * K + live++;
        parent[slot] = from;
        tok[slot] = v;
        next[slot] = topS[r];
        nextAlive[slot] = 1;
      }
      const last = t === maxLen - 1;
      if (last) {
        for (let k = 0; k < live; k++) finish(b, { t, parent: parent[b * K + k], tok: tok[b * K + k], norm: next[b * K + k] / Math.pow(t + 1, alpha) });
      }
      // live hypotheses are ranked, so the first has the highest total and the highest bound
      const settled = early ? nFinished[b] >= K : best[b] !== null && (live === 0 || best[b]!.norm >= reachable(next[b * K]));
      if (last || live === 0 || settled) {
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
  const seqs = best.map((f) => {
    const seq = new Array<number>(f!.t + 1);
    seq[f!.t] = f!.tok;
    let p = f!.parent;
    for (let s = f!.t - 1; s >= 0; s--) {
      seq[s] = bt[s * n + p];
      p = bp[s * n + p];
    }
    return seq;
  });
  const T = Math.max(1, ...seqs.map((s) => s.length));
  const target = new Int32Array(B * T).fill(fillId(P.spec));
  seqs.forEach((s, b) => target.set(s, b * T));
  return decode(P, { ...io, target, T, targetLengths: seqs.map((s) => s.length) }, opts);
}
