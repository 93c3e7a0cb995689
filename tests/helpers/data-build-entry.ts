// Entry for the data-builtin test's browser build: what an app page or worker would use. An app
// build keeps no entry exports, so the API is handed over on globalThis.
import { BUILTINS, loadBuiltin } from '../../src/data/index';

(globalThis as Record<string, unknown>).seqgraphDataTest = { BUILTINS, loadBuiltin };
