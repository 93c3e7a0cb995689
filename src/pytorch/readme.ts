// README.md of an exported PyTorch package: what is in it, how to run it, train it (one process
// or torchrun) and bring the weights back into seqgraph.
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import type { ModelSource } from './model';

export interface ReadmeFacts {
  weightsFile: string;
  train: boolean;
  /** examples per split, when data was exported */
  counts?: Record<string, number>;
  /** lines saying what the generated code writes out by hand, and why */
  notes: string[];
}

function io(program: Program): string[] {
  const rows = ['| | name | shape | what |', '|---|---|---|---|'];
  for (const i of program.inputs) {
    const what = i.info.kind === 'tokens' ? `token ids (int64)${i.info.pad === undefined ? ', no padding' : `, padded with id ${i.info.pad}`}; vocab.json says how text becomes ids` : 'float32';
    rows.push(`| input | \`${i.name}\` | [${i.shape.join(', ')}] | ${what} |`);
  }
  for (const o of program.outputs) rows.push(`| output | \`${o.name}\` | [${o.shape.join(', ')}] | ${o.kind}${o.labels ? ` (${o.labels.length} labels in vocab.json)` : ''} |`);
  return rows;
}

export function readme(doc: GraphDoc, program: Program, model: ModelSource, f: ReadmeFacts): string {
  const cls = model.className;
  const tokenInput = program.inputs.find((i) => i.info.kind === 'tokens');
  const L: string[] = [
    `# ${doc.name} — PyTorch`,
    '',
    `Exported by seqgraph from \`${doc.name}\`: the graph as an \`nn.Module\` you can read, run, train on`,
    'GPUs or across processes, and bring back.',
    '',
    '| file | what |',
    '|---|---|',
    `| \`model.py\` | \`${cls}\`: one submodule per node, named as the node, so \`state_dict()\` keys are the graph's weight names |`,
    `| \`${f.weightsFile}\` | the graph's weights (\`load_weights(model, path)\`; plain \`model.load_state_dict\` works too) |`,
    '| `vocab.json` | each token input\'s vocabulary and tokenisation, each output\'s labels |',
    '| `samples.json` | the graph\'s samples, as feeds |',
  ];
  if (f.train) L.push('| `train.py` | the graph\'s training section as a PyTorch script (one process, or `torchrun`) |');
  if (f.counts) L.push(`| \`data.json\`, \`data/*.jsonl\` | the data set, prepared by seqgraph: ${Object.entries(f.counts).map(([k, n]) => `${n} ${k}`).join(', ')} examples |`);
  L.push(
    '',
    'Needs Python 3.8+ and PyTorch (tested with 1.13). The `safetensors` package is optional: without',
    'it, `model.py` reads and writes the format itself.',
    '',
    '## Run',
    '',
    '```sh',
    'python model.py              # the first sample, printed as `seqgraph run` prints it',
    'python model.py feeds.json   # feeds written by `seqgraph sample`',
    '```',
    '',
    '```python',
    `from model import ${cls}, load_weights${tokenInput ? ', load_vocab, encode_texts' : ''}`,
    `model = load_weights(${cls}(), "${f.weightsFile}").eval()`,
  );
  if (tokenInput) {
    L.push(`ids = encode_texts(["some text"], load_vocab()["inputs"]["${tokenInput.name}"])`);
    if (program.inputs.length === 1) L.push(`outputs = model(ids)  # {${program.outputs.map((o) => `"${o.name}": ...`).join(', ')}}`);
  } else L.push(`outputs = model(${program.inputs.map((i) => i.name).join(', ')})`);
  L.push('```', '', ...io(program), '');
  if (f.train) {
    L.push(
      '## Train',
      '',
      '```sh',
      'python train.py                              # GPU when there is one; --epochs, --steps, --resume',
      'torchrun --nproc_per_node=4 train.py         # DistributedDataParallel, a DistributedSampler',
      '```',
      '',
      'Batches come in seqgraph\'s order (the same seeded length bucketing), so one process sees the',
      'batches seqgraph\'s trainer sees. `batch_size` is per process. Every epoch writes',
      '`runs/checkpoints/epoch-N.pt` and `last.pt`; a stop by `--steps` writes `step-N.pt` and `last.pt`.',
      '`python train.py --resume runs/checkpoints/last.pt` continues exactly where a run stopped (the',
      'same batches, learning rate and dropout masks). The end writes `runs/weights.safetensors`.',
      'Debian\'s PyTorch 1.13 on Python 3.11 needs `torchrun --redirects 1 --tee 1 ...` (its torchrun',
      'cannot read the default `0`); later versions do not.',
      '',
    );
    if (!f.counts) {
      L.push(
        'No data was exported with this package: export again with a data set',
        '(`seqgraph export graph.json --format pytorch --data <built-in set or file> -o <dir>`), or write',
        '`data/train.jsonl` and `data/validation.jsonl` yourself: one example per line,',
        '`{"feeds": {input: ids or numbers}, "targets": {output: [class id] or values or ids per step}, "length": n}`,',
        'with `data.json` saying how each input and target stacks (see `collate` in train.py).',
        '',
      );
    }
  } else {
    L.push('## Train', '', 'The graph has no training section, so no `train.py` was written: add one (losses, optimiser) and', 'export again.', '');
  }
  L.push(
    '## Bring the weights back',
    '',
    '```sh',
    'seqgraph weights load graph.json runs/weights.safetensors',
    '```',
    '',
    'The names are the graph\'s (`<node name>.<weight name>`), so nothing needs mapping.',
  );
  if (f.notes.length) L.push('', '## How it was written', '', ...f.notes.map((n) => `- ${n}`));
  return L.join('\n') + '\n';
}
