// A line chart of sequences over steps (uPlot: small, fast, canvas-drawn), e.g. a forecast
// drawn against the input it was made from. Hover reads every series' value at a step in the
// legend. Colours come from the theme's CSS variables; the chart follows the panel's width.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useWidth } from '../inspector/use-width';

export interface ChartSeries {
  label: string;
  values: ArrayLike<number>;
  /** the model's own output: drawn bold; inputs are drawn thin */
  emphasis?: boolean;
}

const INPUT_COLOURS = ['#8a94a6', '#b08968', '#7ca982', '#a78bda', '#d4a72c', '#6aa6c8'];
const OUTPUT_COLOURS = ['var(--accent)', '#e0557a', '#1aa179', '#f08c00'];

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** A CSS colour uPlot can paint with (it draws on a canvas, which knows no var()). */
function paint(c: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(c);
  return m ? cssVar(m[1], '#3b6cf6') : c;
}

export function SeriesChart({ steps, series, theme, testId, height = 170 }: { steps: string[]; series: ChartSeries[]; theme: string; testId: string; height?: number }) {
  const [ref, width] = useWidth<HTMLDivElement>(320);
  const host = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el || !series.length) return;
    const axis = cssVar('--muted', '#778');
    const grid = cssVar('--border', '#e3e7ee');
    let inputs = 0;
    let outputs = 0;
    const opts: uPlot.Options = {
      width: Math.max(200, width),
      height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? (steps[t] ?? String(t)) : '')), label: 'step', labelSize: 18, size: 34 },
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 46 },
      ],
      series: [
        // until the pointer is on the chart, the legend names the series and says how to read them
        // (not a row of "—")
        { label: 'step', value: (_u, v) => (v == null ? 'hover to read' : (steps[v] ?? String(v))) },
        ...series.map((s) => ({
          label: s.label,
          stroke: paint(s.emphasis ? OUTPUT_COLOURS[outputs++ % OUTPUT_COLOURS.length] : INPUT_COLOURS[inputs++ % INPUT_COLOURS.length]),
          width: s.emphasis ? 2.25 : 1.25,
          dash: s.emphasis ? undefined : [4, 3],
          points: { show: steps.length <= 40, size: s.emphasis ? 5 : 3 },
          value: (_u: uPlot, v: number | null) => (v == null ? '' : v.toFixed(4)),
        })),
      ],
    };
    const data: uPlot.AlignedData = [Array.from(steps, (_, i) => i), ...series.map((s) => Array.from(s.values))];
    const plot = new uPlot(opts, data, el);
    return () => plot.destroy();
  }, [series, steps, theme, width, height]);
  return (
    <div ref={ref} className="sg-chart" data-testid={testId} data-series={series.map((s) => s.label).join('|')}>
      <div ref={host} />
    </div>
  );
}
