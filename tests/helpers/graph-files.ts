// The graph files the tests read, as paths from the repository root (vitest runs there): the
// gallery's examples in graphs/ (every one trained by `seqgraph train`) and the graphs only tests
// use in tests/fixtures/graphs/ (toys with seeded or hand-fitted weights, kept for the mechanics
// they exercise: gate inspection, attention decoding, ragged batches). Tests that go over "every
// graph" take both, so moving a graph out of the gallery does not drop it from their checks.
import { readdirSync } from 'node:fs';

const list = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => `${dir}/${f}`);

/** graphs/*.json: the trained examples the gallery lists */
export const EXAMPLE_GRAPHS = list('graphs');
/** tests/fixtures/graphs/*.json: graphs only tests use */
export const FIXTURE_GRAPHS = list('tests/fixtures/graphs');
/** both, examples first */
export const ALL_GRAPHS = [...EXAMPLE_GRAPHS, ...FIXTURE_GRAPHS];
/** the path of a test-only graph, by name */
export const fixtureGraph = (name: string) => `tests/fixtures/graphs/${name}.json`;
