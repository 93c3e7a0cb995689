// placeholder until the round trip is written
import type { ModelProto } from './proto';
import type { TensorReader } from './import-read';
import type { GraphDoc } from '../doc/schema';
import type { IoMap } from './import-graph';
export function importSeqgraph(_m: ModelProto, _r: TensorReader, _file: string): { doc: GraphDoc; notes: string[]; inputs: IoMap[]; outputs: IoMap[] } | null {
  return null;
}
