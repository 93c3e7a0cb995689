// How big a graph may be. Weights are float32 arrays in one process (a browser tab, a worker, the
// CLI); past a point a graph can only fail late — a multi-gigabyte allocation, an export that
// takes minutes, a tab that dies. The compiler adds up what every node needs from shapes alone
// and refuses a graph over the limit before allocating anything, saying by how much and where.

/** The most weight values (float32) one graph may hold: 256M, 1 GiB. */
export const MAX_PARAMETERS = 256 * 1024 * 1024;

const fmt = (n: number) => n.toLocaleString('en-US');
const gib = (values: number) => `${((values * 4) / 2 ** 30).toFixed(values * 4 < 2 ** 30 ? 2 : 1)} GiB`;

/** null when `total` weight values fit in `limit`; else the message, naming the largest nodes. */
export function budgetProblem(total: number, perNode: { name: string; count: number }[], limit: number): string | null {
  if (total <= limit) return null;
  const top = [...perNode].sort((a, b) => b.count - a.count).slice(0, 3).filter((n) => n.count > 0);
  return (
    `the graph needs ${fmt(total)} weights (${gib(total)} as float32), more than the ${fmt(limit)} (${gib(limit)}) seqgraph allows in one graph; ` +
    `largest: ${top.map((n) => `${n.name} ${fmt(n.count)}`).join(', ')}. Make hidden_size, num_layers, embedding_dim, units or the vocabulary smaller`
  );
}
