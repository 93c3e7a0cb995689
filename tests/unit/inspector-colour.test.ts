// Colour scales: diverging for states (white, or near-black in the dark theme, at 0), sequential
// (viridis) for gates; values past the range clamp to the ends; the renderer's packed words are
// the colours the CSS legend shows.
import { describe, it, expect } from 'vitest';
import { cssColour, divergingScale, interpolateStops, packRGBA, scaleIndex, sequentialScale, symmetricLimit } from '../../src/app/inspector/colour-scales';
import { scaleFor } from '../../src/app/inspector/trace-quantities';

const unpack = (w: number) => [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24];

describe('colour scales', () => {
  it('index: linear, clamped, NaN at the low end', () => {
    expect(scaleIndex(-1, -1, 1)).toBe(0);
    expect(scaleIndex(1, -1, 1)).toBe(255);
    expect(scaleIndex(0, -1, 1)).toBe(128);
    expect(scaleIndex(5, 0, 1)).toBe(255);
    expect(scaleIndex(-5, 0, 1)).toBe(0);
    expect(scaleIndex(NaN, 0, 1)).toBe(0);
  });
  it('packed words are RGBA bytes in memory (what ImageData expects)', () => {
    const w = packRGBA(10, 20, 30);
    const bytes = new Uint8Array(new Uint32Array([w]).buffer);
    expect(Array.from(bytes)).toEqual([10, 20, 30, 255]);
  });
  it('diverging: blue below 0, red above, a light middle (light theme) or a dark one (dark theme)', () => {
    const light = divergingScale(1, 'light');
    const dark = divergingScale(1, 'dark');
    const mid = (s: typeof light) => unpack(s.lut[128]);
    expect(mid(light).slice(0, 3).every((c) => c > 230)).toBe(true);
    expect(mid(dark).slice(0, 3).every((c) => c < 60)).toBe(true);
    const [r0, , b0] = unpack(light.lut[0]);
    const [r1, , b1] = unpack(light.lut[255]);
    expect(b0).toBeGreaterThan(r0);
    expect(r1).toBeGreaterThan(b1);
    expect([light.min, light.max]).toEqual([-1, 1]);
  });
  it('sequential: viridis from dark purple to yellow; the CSS colour matches the table', () => {
    const s = sequentialScale(0, 1);
    expect(unpack(s.lut[0]).slice(0, 3)).toEqual([0x44, 0x01, 0x54]);
    expect(unpack(s.lut[255]).slice(0, 3)).toEqual([0xfd, 0xe7, 0x25]);
    const [r, g, b] = unpack(s.lut[scaleIndex(0.3, 0, 1)]);
    expect(cssColour(s, 0.3)).toBe(`rgb(${r}, ${g}, ${b})`);
    expect(interpolateStops(['#000000', '#ffffff'], 0.5)).toEqual([128, 128, 128]);
  });
  it('scale per quantity: states ±1 unless the data is wider; sigmoid gates 0..1; fit spans the data', () => {
    const q = (kind: 'state' | 'sigmoid' | 'tanh' | 'pre', values: number[]) => ({ key: 'x', kind, label: '', data: Float32Array.from(values) });
    expect([scaleFor(q('state', [0.2, -0.5]), 'light').min, scaleFor(q('state', [0.2, -0.5]), 'light').max]).toEqual([-1, 1]);
    expect(scaleFor(q('state', [2.34, -0.5]), 'light').max).toBe(2.4);
    expect(scaleFor(q('sigmoid', [0.2, 0.3]), 'light')).toMatchObject({ kind: 'sequential', min: 0, max: 1 });
    expect(scaleFor(q('tanh', [0.2]), 'dark')).toMatchObject({ kind: 'diverging', min: -1, max: 1 });
    expect(scaleFor(q('sigmoid', [0.2, 0.3]), 'light', 'fit')).toMatchObject({ min: 0.2, max: 0.3 });
    expect(scaleFor(q('state', [0.05, -0.081]), 'light', 'fit')).toMatchObject({ min: -0.09, max: 0.09 });
    expect(symmetricLimit(0, 0)).toBe(1);
  });
});
