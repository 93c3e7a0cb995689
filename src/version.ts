// seqgraph's version, from package.json, for files and models it writes.
import pkg from '../package.json';

export const SEQGRAPH_VERSION: string = pkg.version;
