// How the editor's frame is laid out: whether the palette is open, and how wide the right
// panel is (one width for Params/Run, one for the wide inspector). The person's choices are
// remembered in this browser; until there is one, the palette folds away on narrow windows so
// the canvas keeps room for the graph.
import { action, makeObservable, observable } from 'mobx';

const KEY = 'seqgraph.layout';
/** below this window width the palette starts folded (a rail with its search) */
export const NARROW_WINDOW = 1360;
export const PANEL_MIN = 280;
/** the canvas never gets narrower than this by widening the panel */
export const CANVAS_MIN = 320;
export const PALETTE_OPEN_W = 236;
export const PALETTE_RAIL_W = 44;

interface Saved {
  paletteOpen?: boolean;
  panelWidth?: number;
  inspectorWidth?: number;
}

function read(): Saved {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Saved) : {};
  } catch {
    return {};
  }
}

const winWidth = () => (typeof window === 'undefined' ? 1440 : window.innerWidth);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class LayoutStore {
  paletteOpen: boolean;
  /** the right panel's width for Params and Run */
  panelWidth: number;
  /** its width while the inspector shows a trace in wide mode */
  inspectorWidth: number;
  /** whether the person opened or folded the palette (else it follows the window's width) */
  private paletteChosen: boolean;

  constructor() {
    const s = read();
    this.paletteChosen = typeof s.paletteOpen === 'boolean';
    this.paletteOpen = typeof s.paletteOpen === 'boolean' ? s.paletteOpen : winWidth() >= NARROW_WINDOW;
    this.panelWidth = num(s.panelWidth) ?? 340;
    this.inspectorWidth = num(s.inspectorWidth) ?? Math.round(Math.min(980, Math.max(340, 0.58 * winWidth())));
    makeObservable<LayoutStore, 'paletteChosen'>(this, {
      paletteChosen: false,
      paletteOpen: observable,
      panelWidth: observable,
      inspectorWidth: observable,
      setPaletteOpen: action,
      setWidth: action,
    });
  }

  get paletteWidth(): number {
    return this.paletteOpen ? PALETTE_OPEN_W : PALETTE_RAIL_W;
  }

  /** The widest the right panel may be in a window this wide. */
  maxWidth(window = winWidth()): number {
    return Math.max(PANEL_MIN, window - this.paletteWidth - CANVAS_MIN);
  }

  /** The width to draw the panel at (a remembered width may not fit a smaller window). */
  shown(wide: boolean, window = winWidth()): number {
    return Math.min(this.maxWidth(window), Math.max(PANEL_MIN, wide ? this.inspectorWidth : this.panelWidth));
  }

  setPaletteOpen(open: boolean): void {
    this.paletteOpen = open;
    this.paletteChosen = true;
    this.save();
  }

  setWidth(wide: boolean, px: number, remember = true): void {
    const w = Math.round(Math.min(this.maxWidth(), Math.max(PANEL_MIN, px)));
    if (wide) this.inspectorWidth = w;
    else this.panelWidth = w;
    if (remember) this.save();
  }

  private save(): void {
    try {
      localStorage.setItem(KEY, JSON.stringify({ paletteOpen: this.paletteChosen ? this.paletteOpen : undefined, panelWidth: this.panelWidth, inspectorWidth: this.inspectorWidth } satisfies Saved));
    } catch {
      /* not remembered, still applied */
    }
  }
}
