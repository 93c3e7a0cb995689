// The runtime's user-facing error: what went wrong and where (input, node, op), never a stack trace.
import type { Program } from '../ir/program';

/** A run-time error that names what went wrong and where. */
export class RunError extends Error {
  constructor(message: string, public readonly where: { input?: string; node?: string; op?: string } = {}) {
    super(message);
    this.name = 'RunError';
  }
}

/** a node as the person named it, quoted, for messages */
export function nodeOf(program: Program, id: string): string {
  return `"${program.nodeNames[id] ?? id}"`;
}
