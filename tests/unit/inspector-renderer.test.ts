// The heatmap renderer without a browser: a stand-in canvas records the one putImageData, and
// the pixels are checked cell by cell (colour from the table, padding colour past a row's end,
// rows in the given unit order, cells filled cellW × cellH). And the speed budget: painting a
// 1,000-step × 512-unit heatmap takes well under 100 ms here too.
import { describe, it, expect } from 'vitest';
import { cellAt, cellLayout, fitCell, gridCellSize, paintCells } from '../../src/app/inspector/heatmap-renderer';
import { divergingScale, scaleIndex } from '../../src/app/inspector/colour-scales';
import { unitsBySteps } from '../../src/app/inspector/trace-quantities';

interface FakeImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

function fakeCanvas() {
  const puts: FakeImage[] = [];
  const ctx = {
    createImageData: (w: number, h: number): FakeImage => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
    putImageData: (img: FakeImage) => puts.push(img),
  };
  const canvas = { width: 0, height: 0, getContext: () => ctx } as unknown as HTMLCanvasElement;
  return { canvas, puts };
}

describe('paintCells', () => {
  it('one putImageData; each cell its colour, padding grey, rows in unit order', () => {
    const T = 4;
    const H = 3;
    // row 0 only; its length is 3, so step 3 is padding
    const data = Float32Array.from({ length: T * H }, (_, i) => ((i % 7) - 3) / 3);
    const node = { steps: T, hidden_size: H, lengths: [3] };
    const m = unitsBySteps(data, node, 0);
    const order = Int32Array.from([2, 0, 1]);
    const l = cellLayout(H, T, 3, 2);
    const scale = divergingScale(1, 'light');
    const { canvas, puts } = fakeCanvas();
    const pad = 0x01020304;
    paintCells(canvas, m, order, l, scale, pad);
    expect(puts).toHaveLength(1);
    expect([canvas.width, canvas.height]).toEqual([12, 6]);
    const px = new Uint32Array(puts[0].data.buffer);
    for (let i = 0; i < H; i++)
      for (let t = 0; t < T; t++) {
        const want = t >= 3 ? pad : scale.lut[scaleIndex(data[t * H + order[i]], -1, 1)];
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 3; dx++) expect(px[(i * 2 + dy) * 12 + t * 3 + dx]).toBe(want);
      }
  });
  it('cellAt inverts the layout', () => {
    const l = cellLayout(10, 20, 4, 3);
    expect(cellAt(l, 0, 0)).toEqual({ row: 0, col: 0 });
    expect(cellAt(l, 4 * 7 + 3.9, 3 * 9 + 2.9)).toEqual({ row: 9, col: 7 });
    expect(cellAt(l, 80, 0)).toBeNull();
    expect(cellAt(l, -1, 0)).toBeNull();
  });
  it('cell sizes: readable cells two per line when they fit, 1 px columns for long traces', () => {
    expect(fitCell(1000, 770, 1, 40)).toBe(1);
    expect(gridCellSize(9, 6, 6, 780, 30, 0)).toEqual({ cellW: 38, cellH: 16, perLine: 2 });
    expect(gridCellSize(1000, 512, 6, 780, 30, 0)).toEqual({ cellW: 1, cellH: 1, perLine: 1 });
    expect(gridCellSize(1000, 512, 6, 780, 30, 3).cellW).toBe(3);
  });
  it('paints 1,000 steps × 512 units in < 100 ms', () => {
    const T = 1000;
    const H = 512;
    const data = Float32Array.from({ length: T * H }, (_, i) => Math.sin(i * 0.001));
    const m = unitsBySteps(data, { steps: T, hidden_size: H, lengths: [T] }, 0);
    const { canvas } = fakeCanvas();
    const scale = divergingScale(1, 'dark');
    paintCells(canvas, m, null, cellLayout(H, T, 1, 1), scale, 0); // warm up (JIT)
    const times = [0, 1, 2].map(() => paintCells(canvas, m, null, cellLayout(H, T, 1, 1), scale, 0));
    console.log(`paintCells 1000×512: ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
    expect(Math.min(...times)).toBeLessThan(100);
  });
});
