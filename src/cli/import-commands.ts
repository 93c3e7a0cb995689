// seqgraph import | weights load | weights save: ONNX models and PyTorch / safetensors weights in,
// safetensors out. Every problem is a CliError naming the file and what is wrong; nothing is
// written unless the whole import or load succeeded.
import { closeSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, readGraph, writeText } from './io';
import type { GraphDoc } from '../doc/schema';
import type { ExternalFiles } from '../onnx/import-read';

function readBytes(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message}`);
  }
}

/** external data beside the model: only files inside the model's folder (after following links) */
export function externalBeside(model: string): ExternalFiles {
  const dir = realpathSync(path.dirname(path.resolve(model)));
  return (loc) => {
    const full = path.resolve(dir, loc);
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      return undefined;
    }
    if (real !== dir && !real.startsWith(dir + path.sep)) throw new CliError(`${model}: external data '${loc}' resolves to ${real}, outside the model's folder; refused`);
    const size = statSync(real).size;
    return {
      size,
      read(offset, length) {
        const fd = openSync(real, 'r');
        try {
          const buf = new Uint8Array(length);
          let got = 0;
          while (got < length) {
            const n = readSync(fd, buf, got, length - got, offset + got);
            if (n <= 0) break;
            got += n;
          }
          return buf.subarray(0, got);
        } finally {
          closeSync(fd);
        }
      },
    };
  };
}

function vocabOption(items: string[]): string[] | Record<string, string[]> | undefined {
  if (!items.length) return undefined;
  const { parseVocab, checkVocab } = loadTokens;
  const read = (file: string) => {
    const v = parseVocab(readText(file), file);
    const bad = checkVocab(v, file);
    if (bad) throw new CliError(`${bad} (in a one-symbol-per-line file, id = line number − 1)`);
    return v;
  };
  const per: Record<string, string[]> = {};
  for (const it of items) {
    const i = it.indexOf('=');
    if (i > 0 && !it.slice(0, i).includes('/')) per[it.slice(0, i)] = read(it.slice(i + 1));
    else if (items.length === 1) return read(it);
    else throw new CliError(`--vocab ${it}: with several vocabularies, name the input: --vocab <input>=<file>`);
  }
  return per;
}
const readText = (f: string) => new TextDecoder().decode(readBytes(f));
let loadTokens: typeof import('../onnx/import-tokens');

const collect = (v: string, acc: string[]) => [...acc, v];
const docToJSON = (doc: GraphDoc) => JSON.stringify(doc, null, 2) + '\n';

export function registerImportCommands(program: Command): void {
  program
    .command('import <model.onnx>')
    .description('import an ONNX model as a graph (external data is read from beside the model)')
    .requiredOption('-o, --output <graph.json>', 'where to write the graph')
    .option('--vocab <file>', 'symbols of the token inputs, one per line or a JSON list (several: <input>=<file>)', collect, [])
    .option('--structure', 'read the ONNX graph op by op even when seqgraph wrote it (ignore its metadata)')
    .action(async (file: string, opts: { output: string; vocab: string[]; structure?: boolean }) => {
      const { importOnnxLaidOut, ImportError } = await import('../onnx/import');
      loadTokens = await import('../onnx/import-tokens');
      let vocab;
      try {
        vocab = vocabOption(opts.vocab);
      } catch (e) {
        throw e instanceof CliError ? e : new CliError((e as Error).message);
      }
      const bytes = readBytes(file);
      let r;
      try {
        r = await importOnnxLaidOut(bytes, { file, external: externalBeside(file), vocab, structure: opts.structure });
      } catch (e) {
        if (e instanceof ImportError || e instanceof CliError) throw new CliError(e.message);
        throw e;
      }
      writeText(opts.output, docToJSON(r.doc));
      const types = r.doc.nodes.map((n) => n.type).filter((t) => t !== 'Input' && t !== 'Output');
      process.stderr.write(`${opts.output}: written — ${r.doc.nodes.length} nodes (${types.join(', ')}), read ${r.via === 'seqgraph' ? "from seqgraph's own export" : 'from the ONNX graph'}\n`);
      for (const io of [...r.inputs, ...r.outputs]) {
        const moved = io.onnx !== io.seqgraph || io.layout.some((atoms, k) => atoms.length !== 1 || atoms[0].axis !== k);
        if (moved) process.stderr.write(`  ${r.inputs.includes(io) ? 'input' : 'output'} '${io.onnx}' is '${io.seqgraph}' in seqgraph, batch-first (the model's axes rearranged)\n`);
      }
      for (const n of r.notes) process.stderr.write(`  note: ${n}\n`);
    });

  const weights = program.command('weights').description('load or save weights (PyTorch state_dict .pt/.pth, safetensors)');
  weights
    .command('load <graph.json> <weights>')
    .description('load a state_dict (.pt/.pth) or .safetensors into the graph, matching tensors by PyTorch names')
    .option('--prefix <from=to>', 'map a file prefix to a node name (module.= strips a prefix); repeatable', collect, [])
    .option('-o, --output <graph.json>', 'write the graph here instead of over <graph.json>')
    .option('--strict', 'fail when a tensor is left over or a weight is not in the file')
    .action(async (graphFile: string, wfile: string, opts: { prefix: string[]; output?: string; strict?: boolean }) => {
      const W = await import('../weights/index');
      const g = readGraph(graphFile);
      if ('problems' in g) throw new CliError(`${graphFile}: ${g.problems.length} problem${g.problems.length === 1 ? '' : 's'}: ${g.problems[0].message}`);
      try {
        const { tensors, notes } = W.readWeights(readBytes(wfile), wfile);
        const m = W.matchWeights(g.doc, tensors, W.parsePrefixes(opts.prefix));
        for (const l of W.formatMatch(m)) process.stderr.write(`${l}\n`);
        for (const n of notes) process.stderr.write(`note: ${n}\n`);
        if (opts.strict && (m.leftover.length || m.missing.length)) throw new CliError(`${wfile}: --strict: ${m.leftover.length} left over, ${m.missing.length} not in the file; nothing was written`);
        const doc = W.applyWeights(g.doc, m, tensors);
        const out = opts.output ?? graphFile;
        writeText(out, docToJSON(doc));
        process.stderr.write(`${out}: written with ${m.matched.length} weights from ${wfile}\n`);
      } catch (e) {
        if (e instanceof W.WeightsError) throw new CliError(e.message.startsWith(wfile) ? e.message : `${wfile}: ${e.message}`);
        throw e;
      }
    });
  weights
    .command('save <graph.json> <out.safetensors>')
    .description("write the graph's weights as safetensors, named as PyTorch names them (<node>.<weight>)")
    .action(async (graphFile: string, out: string) => {
      const W = await import('../weights/index');
      const g = readGraph(graphFile);
      if ('problems' in g) throw new CliError(`${graphFile}: ${g.problems.length} problem${g.problems.length === 1 ? '' : 's'}: ${g.problems[0].message}`);
      let r;
      try {
        r = W.saveWeights(g.doc);
      } catch (e) {
        throw new CliError(`${graphFile}: ${(e as Error).message}`);
      }
      writeText(out, r.bytes);
      process.stderr.write(`${out}: written, ${r.count} tensors${r.fresh.length ? ` (${r.fresh.length} initialised from the graph's seed: ${r.fresh.join(', ')})` : ''}\n`);
    });
}
