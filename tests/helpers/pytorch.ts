// Running the repository's Python reference scripts (tests/python/*.py) with Debian's PyTorch.
//
// PyTorch is an oracle here, never a dependency: tests that need it call `pytorchTest()` (or
// check `hasPyTorch()`) so that a machine without it skips them with a reason — except where
// SEQGRAPH_REQUIRE_PYTORCH=1 (set by .ci/run, which installs python3-torch): there a missing
// PyTorch is a failure, so CI can never pass by skipping the oracle.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';

/** Debian's interpreter (python3-torch installs there); a pyenv shim on PATH may lack torch */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const PY_DIR = path.resolve(process.cwd(), 'tests/python');

const probed = new Map<string, boolean>();
function canImport(mod: string): boolean {
  let ok = probed.get(mod);
  if (ok === undefined) {
    const r = spawnSync(PYTHON, ['-c', `import ${mod}`], { encoding: 'utf8' });
    ok = r.status === 0;
    probed.set(mod, ok);
  }
  return ok;
}

export const REQUIRE_PYTORCH = process.env.SEQGRAPH_REQUIRE_PYTORCH === '1';

/** whether `import torch` (and every other module named) works in PYTHON */
export function hasPyTorch(...more: string[]): boolean {
  return ['torch', ...more].every(canImport);
}

/** `it`, or `it.skip` with the reason in the title when PyTorch is missing and not required */
export function pytorchTest(...more: string[]): typeof it {
  if (hasPyTorch(...more) || REQUIRE_PYTORCH) return it;
  const missing = ['torch', ...more].filter((m) => !canImport(m)).join(', ');
  console.warn(`[pytorch] ${PYTHON} cannot import ${missing}: skipping the PyTorch oracle tests (apt-get install python3-torch python3-onnx)`);
  return it.skip as unknown as typeof it;
}

/**
 * Run tests/python/<script> with args; stdin gets `input` (e.g. JSON). Returns stdout.
 * Throws with stderr when the script fails, so a broken oracle is a red test, not a silent one.
 */
export function runPython(script: string, args: string[] = [], input?: string, timeoutMs = 300_000): string {
  const r = spawnSync(PYTHON, [path.join(PY_DIR, script), ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: timeoutMs,
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONHASHSEED: '0' },
  });
  if (r.error) throw new Error(`${script}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** runPython and JSON.parse its stdout */
export function runPythonJSON<T = unknown>(script: string, args: string[] = [], input?: unknown, timeoutMs?: number): T {
  return JSON.parse(runPython(script, args, input === undefined ? undefined : JSON.stringify(input), timeoutMs)) as T;
}
