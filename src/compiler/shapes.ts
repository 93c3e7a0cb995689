// Small helpers nodes use to reason about shapes during inference.
import type { Dim } from '../runtime/tensor';
import type { PortShape } from './node-def';

/** the feature size (last dim) when it is a fixed number */
export function features(s: PortShape | undefined): number | null {
  const d = s?.shape[s.shape.length - 1];
  return typeof d === 'number' ? d : null;
}

export function withLast(shape: Dim[], d: Dim): Dim[] {
  return [...shape.slice(0, -1), d];
}

/** keep mask and labels info that survives an elementwise op */
export function passthrough(s: PortShape, over: Partial<PortShape> = {}): PortShape {
  return { type: s.type, dtype: s.dtype, shape: [...s.shape], masked: s.masked, labels: s.labels, ...over };
}
