// What the fit tests read off the page: the canvas's zoom, and which nodes (and group frames,
// and notes) are not wholly on the canvas or lie under its minimap or zoom buttons.
import { readdirSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

export const GALLERY_IDS = readdirSync('graphs')
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

export interface CanvasView {
  zoom: number;
  /** test ids (node-<name>, group-<name>, note) of items not wholly visible on the canvas */
  outside: string[];
  count: number;
}

export async function canvasView(page: Page): Promise<CanvasView> {
  return page.evaluate(() => {
    const canvas = document.querySelector('.sg-canvas')!.getBoundingClientRect();
    const covers = ['.react-flow__minimap', '.react-flow__controls'].map((s) => document.querySelector(s)?.getBoundingClientRect()).filter((r): r is DOMRect => !!r);
    const m = /scale\(([\d.]+)\)/.exec((document.querySelector('.react-flow__viewport') as HTMLElement).style.transform);
    const outside: string[] = [];
    const items = [...document.querySelectorAll<HTMLElement>('.react-flow__node')].filter((n) => n.style.visibility !== 'hidden' && n.offsetParent !== null);
    for (const el of items) {
      const r = el.getBoundingClientRect();
      const id = el.querySelector('[data-testid]')?.getAttribute('data-testid') ?? el.dataset.id ?? '?';
      const inside = r.left >= canvas.left - 0.5 && r.right <= canvas.right + 0.5 && r.top >= canvas.top - 0.5 && r.bottom <= canvas.bottom + 0.5;
      const covered = covers.some((c) => r.left < c.right && r.right > c.left && r.top < c.bottom && r.bottom > c.top);
      if (!inside || covered) outside.push(id.replace(/^node-/, ''));
    }
    return { zoom: m ? Number(m[1]) : 1, outside, count: items.length };
  });
}

/** Every item on the canvas is in view, at `minZoom` or more (text stays readable). */
export async function expectAllInView(page: Page, what: string, minZoom: number): Promise<void> {
  await expect
    .poll(async () => {
      const v = await canvasView(page);
      return v.count > 0 && v.outside.length === 0 && v.zoom >= minZoom ? 'ok' : `zoom ${v.zoom.toFixed(2)}, not in view: ${v.outside.join(', ')}`;
    }, { message: what, timeout: 4000 })
    .toBe('ok');
}
