// The Python helpers model.py may include, in the order they are written, each with the helpers
// it needs. A graph's model.py holds only those its nodes use (ModelGen.use), so a classifier
// does not carry a beam search.
import * as A from './attention';
import * as R from './recurrent';
import * as S from './sequence';

export interface Helper {
  code: string;
  needs: HelperName[];
}

export type HelperName =
  | 'step_mask' | 'token_lengths' | 'mask_steps' | 'last_step' | 'mean_over_steps' | 'max_over_steps'
  | 'merge_directions' | 'state_to_vector' | 'hard_sigmoid' | 'run_rnn' | 'masked_softmax'
  | 'multi_head_attention' | 'ExplicitRecurrent' | 'ExplicitLSTM' | 'ExplicitGRU' | 'ExplicitRNN' | 'onnx_activation' | 'MGU' | 'ScoreAttention'
  | 'DotAttention' | 'GeneralAttention' | 'AdditiveAttention' | 'ConcatAttention';

/** in file order: functions before the classes that call them */
export const HELPERS: Record<HelperName, Helper> = {
  step_mask: { code: S.STEP_MASK, needs: [] },
  token_lengths: { code: S.TOKEN_LENGTHS, needs: ['step_mask'] },
  mask_steps: { code: S.MASK_STEPS, needs: ['step_mask'] },
  last_step: { code: S.LAST_STEP, needs: [] },
  mean_over_steps: { code: S.MEAN_OVER_STEPS, needs: ['step_mask'] },
  max_over_steps: { code: S.MAX_OVER_STEPS, needs: ['step_mask'] },
  merge_directions: { code: S.MERGE_DIRECTIONS, needs: [] },
  state_to_vector: { code: S.STATE_TO_VECTOR, needs: [] },
  hard_sigmoid: { code: S.HARD_SIGMOID, needs: [] },
  run_rnn: { code: S.RUN_RNN, needs: [] },
  masked_softmax: { code: A.MASKED_SOFTMAX, needs: ['step_mask'] },
  multi_head_attention: { code: A.MULTI_HEAD, needs: ['step_mask'] },
  ExplicitRecurrent: { code: R.EXPLICIT_RECURRENT, needs: [] },
  ExplicitLSTM: { code: R.EXPLICIT_LSTM, needs: ['ExplicitRecurrent'] },
  ExplicitGRU: { code: R.EXPLICIT_GRU, needs: ['ExplicitRecurrent'] },
  ExplicitRNN: { code: R.EXPLICIT_RNN, needs: ['ExplicitRecurrent'] },
  onnx_activation: { code: R.ONNX_ACTIVATION, needs: [] },
  MGU: { code: R.MGU, needs: ['ExplicitRecurrent'] },
  ScoreAttention: { code: A.SCORE_ATTENTION, needs: ['masked_softmax', 'step_mask'] },
  DotAttention: { code: A.DOT_ATTENTION, needs: ['ScoreAttention'] },
  GeneralAttention: { code: A.GENERAL_ATTENTION, needs: ['ScoreAttention'] },
  AdditiveAttention: { code: A.ADDITIVE_ATTENTION, needs: ['ScoreAttention'] },
  ConcatAttention: { code: A.CONCAT_ATTENTION, needs: ['masked_softmax', 'step_mask'] },
};

/** the helpers named and everything they need, in file order */
export function closure(names: Iterable<HelperName>): HelperName[] {
  const all = new Set<HelperName>();
  const add = (n: HelperName) => {
    if (all.has(n)) return;
    all.add(n);
    HELPERS[n].needs.forEach(add);
  };
  for (const n of names) add(n);
  return (Object.keys(HELPERS) as HelperName[]).filter((n) => all.has(n));
}
