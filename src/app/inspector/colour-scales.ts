// Colour scales for the inspector's heatmaps, as 256-entry lookup tables of packed RGBA words
// that the renderer writes straight into an ImageData's Uint32 view (one table lookup per cell,
// no string colours, no per-cell allocation). Two kinds, as the data asks:
//  - diverging, centred on 0, for states (h, c), tanh gates (g, n) and differences: sign matters;
//  - sequential for sigmoid gates (i, f, o, r, z) and attention weights: 0..1, more is more.
// The diverging scale has a light middle in the light theme and a dark middle in the dark theme,
// so a value of 0 reads as "background" in both. No React, no DOM beyond nothing at all.

export type ScaleKind = 'diverging' | 'sequential';
export type ThemeName = 'light' | 'dark';

export interface ColourScale {
  kind: ScaleKind;
  min: number;
  max: number;
  /** 256 packed colours in the platform's byte order for an ImageData Uint32Array view */
  lut: Uint32Array;
  /** the colour stops, as CSS colours, for a legend's linear-gradient */
  stops: string[];
}

/** viridis (matplotlib), 9 stops: perceptually uniform, readable on light and dark, colour-blind safe */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];
/** RdBu reversed (ColorBrewer): negative blue, positive red, white at 0 */
const DIVERGING_LIGHT = ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'];
/** the same hues with a near-black middle, so 0 melts into the dark panel instead of glaring */
const DIVERGING_DARK = ['#74b9ff', '#4a8fdc', '#2f64a8', '#223a5e', '#1b1f27', '#5a2a22', '#a8432c', '#e0693f', '#ffa177'];

/** Little-endian machines (all the ones browsers run on, but checked) store RGBA as ABGR words. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] === 0x04;

export function packRGBA(r: number, g: number, b: number, a = 255): number {
  return LITTLE_ENDIAN ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

export function parseHex(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h;
  return [parseInt(full.slice(0, 2), 16), parseInt(full.slice(2, 4), 16), parseInt(full.slice(4, 6), 16)];
}

/** The colour at fraction `f` (0..1) along the stops, interpolated linearly in RGB. */
export function interpolateStops(stops: string[], f: number): [number, number, number] {
  const rgb = stops.map(parseHex);
  const x = Math.min(1, Math.max(0, f)) * (rgb.length - 1);
  const i = Math.min(rgb.length - 2, Math.floor(x));
  const t = x - i;
  const a = rgb[i];
  const b = rgb[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];
}

const lutCache = new Map<string, Uint32Array>();

function lutFor(stops: string[]): Uint32Array {
  const key = stops.join();
  let lut = lutCache.get(key);
  if (!lut) {
    lut = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const [r, g, b] = interpolateStops(stops, i / 255);
      lut[i] = packRGBA(r, g, b);
    }
    lutCache.set(key, lut);
  }
  return lut;
}

export function divergingScale(limit: number, theme: ThemeName): ColourScale {
  const stops = theme === 'dark' ? DIVERGING_DARK : DIVERGING_LIGHT;
  const m = limit > 0 && Number.isFinite(limit) ? limit : 1;
  return { kind: 'diverging', min: -m, max: m, lut: lutFor(stops), stops };
}

export function sequentialScale(min = 0, max = 1): ColourScale {
  return { kind: 'sequential', min, max: max > min ? max : min + 1, lut: lutFor(VIRIDIS), stops: VIRIDIS };
}

/** Index 0..255 of `v` on the scale, clamped at both ends (values past the range show the end colour). */
export function scaleIndex(v: number, min: number, max: number): number {
  const f = (v - min) / (max - min);
  if (!(f > 0)) return 0; // also NaN
  if (f >= 1) return 255;
  return (f * 255 + 0.5) | 0;
}

/** The CSS colour a value gets (for legends, line plots and tests; the renderer uses the LUT). */
export function cssColour(scale: ColourScale, v: number): string {
  const [r, g, b] = interpolateStops(scale.stops, scaleIndex(v, scale.min, scale.max) / 255);
  return `rgb(${r}, ${g}, ${b})`;
}

/** The stops as (offset 0..1, colour) pairs, for a canvas gradient. */
export function gradientStops(scale: ColourScale): [number, string][] {
  return scale.stops.map((c, i) => [i / (scale.stops.length - 1), c]);
}

export function cssGradient(scale: ColourScale): string {
  return `linear-gradient(to right, ${scale.stops.join(', ')})`;
}

/**
 * Distinct line colours for the unit plot (Tableau 10): units picked one by one get colours
 * that stay apart; the 11th wraps around.
 */
export const SERIES_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** A round limit for a symmetric scale: at least 1 for states (tanh's range), else the data's max |v|. */
export function symmetricLimit(maxAbs: number, atLeast = 1): number {
  const m = Math.max(atLeast, maxAbs);
  if (!(m > 0) || !Number.isFinite(m)) return 1;
  // rounded up to 2 (below 1) or 1 decimal; the epsilon absorbs float32 noise (0.3 → 0.30000001)
  if (m <= 1) return m === atLeast ? m : Math.ceil(m * 100 - 1e-4) / 100;
  return Math.ceil(m * 10 - 1e-5) / 10;
}
