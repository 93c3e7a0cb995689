// Old files are brought up to the current format here, one step per version. A step takes a
// document of version n and returns one of version n + 1; loading runs every step from the
// file's version up to VERSION, then the schema checks the result.
import { FORMAT, VERSION } from './schema';

type Doc = Record<string, unknown>;
const STEPS: Record<number, (doc: Doc) => Doc> = {
  // 1 -> 2: version 2 only adds optional sections (training setup, ...), so a version 1 file
  // is a valid version 2 file as it stands; steps that rewrite old content go here.
  1: (doc) => doc,
};

export function migrate(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  let doc = raw as Doc;
  if (doc.format !== FORMAT || typeof doc.version !== 'number' || !Number.isInteger(doc.version)) return raw;
  for (let v = doc.version; v < VERSION; v++) {
    const step = STEPS[v];
    if (!step) return raw; // unknown old version: the schema reports it
    doc = { ...step(doc), version: v + 1 };
  }
  return doc;
}
