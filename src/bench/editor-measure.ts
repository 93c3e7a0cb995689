// Timing the editor on a large graph in a real browser (Playwright), shared by `npm run bench`
// (src/bench/editor.ts) and the e2e test (tests/e2e/large-graph.spec.ts):
//   open     the file's text handed to the editor -> the graph drawn and the view settled (the
//            viewport unchanged for three frames after the fit that follows an open)
//   edit     a param changed (the compiler's analysis runs again) -> the next frame painted
//   move     a node moved -> the next frame painted
// Everything is measured inside the page with performance.now(), so Playwright's own round
// trips are not counted.
import type { Page } from '@playwright/test';

export interface EditorTimes {
  nodes: number;
  openMs: number;
  /** nodes React Flow drew (the others are off screen) */
  drawn: number;
  editMs: number[];
  moveMs: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
export const summary = (t: EditorTimes) =>
  `${t.nodes} nodes: open ${Math.round(t.openMs)} ms (${t.drawn} drawn), edit ${Math.round(median(t.editMs))} ms median (max ${Math.round(Math.max(...t.editMs))}), move ${Math.round(median(t.moveMs))} ms median`;
export { median };

/** Opens `text` in the editor already loaded in `page` and times it, then edits and moves. */
export async function timeEditor(page: Page, text: string, edits = 8): Promise<EditorTimes> {
  // tsx (esbuild keepNames) wraps functions in __name(); the page has no such helper
  await page.evaluate('globalThis.__name ??= (f) => f');
  return page.evaluate(
    async ({ text, edits }) => {
      type App = {
        openText(t: string, s: string): boolean;
        perform(n: string, v?: unknown): boolean;
        graph: { doc: { nodes: { id: string; type: string; position: { x: number; y: number } }[] }; moveTransient(p: Map<string, { x: number; y: number }>): void };
      };
      const app = (window as unknown as { seqgraph: App }).seqgraph;
      const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const viewport = () => document.querySelector('.react-flow__viewport')?.getAttribute('style') ?? '';
      const t0 = performance.now();
      if (!app.openText(text, 'large.json')) throw new Error('the graph did not open');
      // settled: drawn, and the view the same for three frames in a row (after the fit)
      let last = '';
      let still = 0;
      while (still < 3 && performance.now() - t0 < 120_000) {
        await frame();
        const v = viewport();
        const drawn = document.querySelectorAll('.react-flow__node').length;
        still = v === last && drawn > 0 ? still + 1 : 0;
        last = v;
      }
      const openMs = performance.now() - t0;
      const drawn = document.querySelectorAll('.react-flow__node').length;
      const nodes = app.graph.doc.nodes;
      const dense = nodes.filter((n) => n.type === 'Dense');
      const editMs: number[] = [];
      for (let i = 0; i < edits; i++) {
        const n = dense[(i * 7) % dense.length];
        const t = performance.now();
        app.perform('setParam', { id: n.id, key: 'units', value: 16 + ((i % 3) + 1) });
        await frame();
        editMs.push(performance.now() - t);
      }
      const moveMs: number[] = [];
      for (let i = 0; i < edits; i++) {
        const n = app.graph.doc.nodes[(i * 13) % nodes.length];
        const t = performance.now();
        // what one step of a drag does (Canvas: onNodesChange -> moveTransient)
        app.graph.moveTransient(new Map([[n.id, { x: n.position.x + 10, y: n.position.y + 5 }]]));
        await frame();
        moveMs.push(performance.now() - t);
      }
      return { nodes: nodes.length, openMs, drawn, editMs, moveMs };
    },
    { text, edits },
  );
}
