// "1 node", "2 nodes", "0 errors": a count with its noun in the right number. Every count the
// editor writes goes through here, so none reads "1 nodes".
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
