// An e-mail (headers and MIME body, as the SpamAssassin corpus stores it) -> the words a
// classifier should read: the Subject, then the text of the plain and HTML parts (quoted-
// printable and base64 decoded, tags and entities dropped), attachments and other headers
// dropped, addresses and links replaced by placeholders, cut to MAIL_WORDS words, lower case,
// punctuation split off so the word tokenizer (whitespace) sees one token per word or mark.
// The browser build runs this at build time (vite-plugin.ts), Node at load time; same function.

/** Words kept per mail: enough for any length limit a model is likely to use. */
export const MAIL_WORDS = 400;

function splitHead(text: string): { headers: string; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? { headers: text.slice(0, m.index), body: text.slice(m.index + m[0].length) } : { headers: text, body: '' };
}

/** One header's value, continuation lines unfolded. */
function header(headers: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(headers);
  return m ? m[1].replace(/\r?\n[ \t]+/g, ' ') : '';
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const t = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(t.slice(i + 1, i + 3))) {
      bytes.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(t.charCodeAt(i) & 0xff);
  }
  return utf8OrLatin1(bytes);
}

function decodeBase64(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9+/=]/g, '');
  try {
    const bin = atob(clean.slice(0, clean.length - (clean.length % 4)));
    return utf8OrLatin1(Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

function utf8OrLatin1(bytes: number[]): string {
  const a = Uint8Array.from(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(a);
  } catch {
    return new TextDecoder('latin1').decode(a);
  }
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®' };

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);?/g, (_, n) => String.fromCodePoint(Math.min(Number(n), 0x10ffff)))
    .replace(/&([a-z]+);/gi, (m, e) => ENTITIES[e.toLowerCase()] ?? ' ');
}

/** The readable text of one MIME entity (recursing into multiparts). */
function entityText(headers: string, body: string, depth = 0): string {
  const type = header(headers, 'Content-Type').toLowerCase();
  const encoding = header(headers, 'Content-Transfer-Encoding').toLowerCase().trim();
  if (type.startsWith('multipart/') && depth < 5) {
    const b = /boundary="?([^";\s]+)"?/i.exec(header(headers, 'Content-Type'))?.[1];
    if (b) {
      const parts = body.split(`--${b}`).slice(1);
      return parts
        .filter((p) => !p.startsWith('--'))
        .map((p) => {
          const { headers: h, body: pb } = splitHead(p.replace(/^\r?\n/, ''));
          return entityText(h, pb, depth + 1);
        })
        .join('\n');
    }
  }
  // attachments, images and the like carry no words
  if (type && !type.startsWith('text/') && !type.startsWith('multipart/')) return '';
  // MAIL_WORDS words never need more than this; a long part would only cost time
  if (body.length > 200_000) body = body.slice(0, 200_000);
  let text = encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? decodeBase64(body) : body;
  if (type.startsWith('text/html') || (!type && /<html|<body|<p>|<br/i.test(text))) text = htmlToText(text);
  return text;
}

const TOKEN = /(?:https?:\/\/|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[!?$€£%]/gu;

/** Words and marks of a text, lower case, links and addresses as placeholders; stops at `limit`. */
export function mailWords(text: string, limit = MAIL_WORDS): string[] {
  const words: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m && words.length < limit; m = TOKEN.exec(text)) {
    const w = m[0];
    words.push(/^(?:https?:|www\.)/i.test(w) ? '<url>' : w.includes('@') ? '<email>' : w.toLowerCase());
  }
  return words;
}

/** The cleaned text of a raw mail: Subject + body words, space separated. */
export function cleanMail(raw: string, limit = MAIL_WORDS): string {
  const { headers, body } = splitHead(raw);
  const subject = header(headers, 'Subject');
  return mailWords(`${subject}\n${entityText(headers, body)}`, limit).join(' ');
}
