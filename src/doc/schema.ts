// The graph file format: types, the zod schema that checks a file, and the current version.
// Behaviour lives elsewhere; this file only says what a valid document looks like.
import { z } from 'zod';
import { TrainedSchema } from './trained';
import { TrainingSchema } from './training';

export const FORMAT = 'seqgraph';
/** 2: adds the optional training setup and the sections the v2 issues bring (see migrate.ts) */
export const VERSION = 2;

// The editor's canvas (React Flow) finds nodes with CSS selectors ([data-id="<id>"]), which
// " \ and control characters break (a blank page). Only those are refused: any other id loads.
const id = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[^"\\\u0000-\u001f\u007f]*$/, 'ids may not hold " \\ or control characters: the editor finds nodes with CSS selectors, which these break; rename the id (ids are never shown, any other text works)');

export const PositionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

export const NodeSchema = z.object({
  id,
  type: z.string().min(1),
  name: z.string().min(1, 'a node needs a name').max(100).regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'names start with a letter or _ and hold only letters, digits, _ . -'),
  position: PositionSchema,
  params: z.record(z.string(), z.unknown()).default({}),
});

export const EndpointSchema = z.object({ node: id, port: z.string().min(1) });

export const EdgeSchema = z.object({
  id,
  source: EndpointSchema,
  target: EndpointSchema,
});

/** An example input: per Input node (by name) a text (tokens), a list of texts (a padded batch),
 *  or numbers ([T][F] one float sequence, [B][T][F] a batch, [F] / [B][F] a vector). */
export const SampleValueSchema = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(z.number()),
  z.array(z.array(z.number())),
  z.array(z.array(z.array(z.number()))),
]);

export const SampleSchema = z.object({
  name: z.string().min(1),
  inputs: z.record(z.string(), SampleValueSchema),
});

/** A weight: shape and data, the data either as numbers or as base64 of little-endian float32. */
export const WeightSchema = z
  .object({
    shape: z.array(z.number().int().nonnegative()),
    data: z.union([z.array(z.number()), z.string()]),
  })
  .strict();

/** A colour the editor draws a group or note in: #rrggbb (nothing else reaches the page's CSS). */
const Colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb');

/** A named, coloured frame around some nodes (the editor draws it; the model ignores it). */
export const GroupSchema = z
  .object({
    id,
    name: z.string().max(200),
    color: Colour.optional(),
    /** member node ids; a node is in at most one group */
    nodes: z.array(id).min(1, 'a group holds at least one node'),
    /** drawn folded: one box with the ports that cross its edge */
    collapsed: z.boolean().optional(),
  })
  .strict();

/** A free-text note on the canvas. */
export const CommentSchema = z
  .object({
    id,
    text: z.string().max(100_000),
    position: PositionSchema,
    width: z.number().finite().min(40).max(10_000).optional(),
    height: z.number().finite().min(24).max(10_000).optional(),
    color: Colour.optional(),
  })
  .strict();

export const GraphDocSchema = z
  .object({
    format: z.literal(FORMAT, { error: `must be "${FORMAT}"` }),
    version: z.literal(VERSION, {
      error: (iss) =>
        typeof iss.input === 'number' && iss.input > VERSION
          ? `this file is format version ${iss.input}, newer than this seqgraph reads (up to ${VERSION}): update seqgraph to open it`
          : `must be a format version from 1 to ${VERSION}`,
    }),
    name: z.string().min(1),
    description: z.string().optional(),
    seed: z.number().int().optional(),
    nodes: z.array(NodeSchema),
    edges: z.array(EdgeSchema),
    samples: z.array(SampleSchema).default([]),
    /** node id -> PyTorch weight name -> tensor */
    weights: z.record(z.string(), z.record(z.string(), WeightSchema)).optional(),
    /** editor only: frames around nodes, and notes (version 2, optional) */
    groups: z.array(GroupSchema).optional(),
    comments: z.array(CommentSchema).optional(),
    /** how to train the graph again: losses, optimiser, schedule, clipping, ... (doc/training.ts) */
    training: TrainingSchema.optional(),
    /** how the weights were trained and what they reach on the test split (doc/trained.ts) */
    trained: TrainedSchema.optional(),
  })
  .strict();

export type GraphDoc = z.infer<typeof GraphDocSchema>;
export type DocNode = z.infer<typeof NodeSchema>;
export type DocEdge = z.infer<typeof EdgeSchema>;
export type Sample = z.infer<typeof SampleSchema>;
export type SampleValue = z.infer<typeof SampleValueSchema>;
export type WeightJSON = z.infer<typeof WeightSchema>;
export type DocGroup = z.infer<typeof GroupSchema>;
export type DocComment = z.infer<typeof CommentSchema>;
