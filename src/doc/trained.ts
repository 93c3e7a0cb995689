// The graph file's optional `trained` section: how the weights in the file were made and what
// they reach — the command, the seed, epochs and steps run, and the metric on the held-out test
// split (what `seqgraph evaluate` prints for the same data). Written by `seqgraph train`; a
// record for people and for tests, never read back to train.
import { z } from 'zod';

const MetricSchema = z
  .object({
    /** accuracy | per | rmse | ce_per_char | ce_per_token */
    metric: z.string().min(1),
    value: z.number(),
    loss: z.number(),
    /** rows scored */
    rows: z.number().int().min(0),
    extra: z.record(z.string(), z.number()).optional(),
  })
  .strict();

export const TrainedSchema = z
  .object({
    /** the command line that trained it (seqgraph train ...) */
    command: z.string(),
    seed: z.number().int(),
    /** epochs completed and optimiser steps taken */
    epochs: z.number().int().min(0),
    steps: z.number().int().min(0),
    /** the data set (built-in name or file) */
    data: z.string(),
    /** ISO time training finished */
    finished: z.string(),
    /** wall-clock seconds */
    seconds: z.number().min(0).optional(),
    test: MetricSchema.optional(),
    /** the best validation metric of the run, and its epoch (0-based) */
    best_validation: z.object({ metric: z.string(), value: z.number(), epoch: z.number().int().min(0) }).strict().optional(),
    /**
     * what was changed after training and why, in words (e.g. a decoding strategy chosen on the
     * validation split); `test` is measured with the file as it is, after the change
     */
    note: z.string().optional(),
  })
  .strict();

export type Trained = z.infer<typeof TrainedSchema>;
