// Live training curves, drawn by uPlot (made for streaming series): the loss per step with the
// validation loss at each epoch's end, the task's metric per epoch, the gradient norm before and
// after clipping, and the learning rate. Redrawn at most 4 times a second, not per step, one chart per frame.
import { reaction } from 'mobx';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrainStore } from '../store/train-store';
import { useApp } from './ui';

type Data = uPlot.AlignedData;

interface ChartSpec {
  id: string;
  title: string;
  series: { label: string; stroke: string; dash?: number[]; points?: boolean }[];
  log?: boolean;
  data: (t: TrainStore) => Data;
}

/** the per-step x axis, with epoch values placed on the step they ended at (null between) */
function atSteps(steps: number[], epochSteps: number[], values: number[]): (number | null)[] {
  const out: (number | null)[] = new Array(steps.length).fill(null);
  let j = 0;
  for (let i = 0; i < steps.length && j < epochSteps.length; i++) {
    while (j < epochSteps.length && epochSteps[j] <= steps[i]) {
      if (epochSteps[j] === steps[i]) out[i] = values[j];
      j++;
    }
  }
  return out;
}

const CHARTS: ChartSpec[] = [
  {
    id: 'loss',
    title: 'Loss',
    series: [
      { label: 'train (step)', stroke: '#6b8fd6' },
      { label: 'validation (epoch)', stroke: '#e07b39', points: true },
    ],
    data: (t) => [t.steps.step, t.steps.loss, atSteps(t.steps.step, t.epochs.step, t.epochs.valLoss)],
  },
  {
    id: 'metric',
    title: 'Metric at each epoch\'s end',
    series: [
      { label: 'train', stroke: '#6b8fd6', points: true },
      { label: 'validation', stroke: '#e07b39', points: true },
    ],
    data: (t) => [t.epochs.step, t.epochs.trainMetric, t.epochs.valMetric],
  },
  {
    id: 'grad',
    title: 'Gradient norm',
    series: [
      { label: 'before clipping', stroke: '#9a6bd6' },
      { label: 'after', stroke: '#3aa675', dash: [4, 3] },
    ],
    log: true,
    data: (t) => [t.steps.step, t.steps.gradNorm, t.steps.clippedNorm],
  },
  {
    id: 'lr',
    title: 'Learning rate',
    series: [{ label: 'lr', stroke: '#c0504d' }],
    data: (t) => [t.steps.step, t.steps.lr],
  },
];

/**
 * Chart redraws waiting, drawn one per animation frame: the four charts redrawn in the same frame
 * made that frame's task the longest on the main thread while training (each redraw is a few ms
 * of canvas drawing, more with thousands of steps on a loaded machine).
 */
const drawQueue = new Set<() => void>();
let drawFrame = 0;
function drawSoon(draw: () => void): void {
  drawQueue.add(draw);
  if (!drawFrame) drawFrame = requestAnimationFrame(drawNext);
}
function drawNext(): void {
  drawFrame = 0;
  const draw = drawQueue.values().next().value;
  if (draw) {
    drawQueue.delete(draw);
    draw();
  }
  if (drawQueue.size) drawFrame = requestAnimationFrame(drawNext);
}

function Chart({ spec, width }: { spec: ChartSpec; width: number }) {
  const { train } = useApp();
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const css = getComputedStyle(document.documentElement);
    const text = css.getPropertyValue('--text').trim() || '#333';
    const grid = css.getPropertyValue('--border').trim() || '#ddd';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '10px system-ui' };
    const title = spec.id === 'metric' && train.epochs.metricName ? `${spec.title}: ${train.epochs.metricName}` : spec.title;
    const plot = new uPlot(
      {
        title,
        width,
        height: 130,
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, ...(spec.log ? { y: { distr: 3 } } : {}) },
        axes: [{ ...axis, label: spec.id === 'metric' ? 'step (epoch ends)' : undefined, size: 28 }, { ...axis, size: 44 }],
        series: [{ label: 'step' }, ...spec.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, dash: s.dash, spanGaps: true, points: { show: !!s.points, size: 5 } }))],
      },
      spec.data(train),
      el.current,
    );
    plot.root.dataset.testid = `train-chart-${spec.id}`;
    let pending = 0;
    const redraw = () => {
      plot.setData(spec.data(train));
      if (spec.id === 'metric' && train.epochs.metricName) plot.root.querySelector('.u-title')!.textContent = `${spec.title}: ${train.epochs.metricName}`;
    };
    const dispose = reaction(
      () => train.version,
      () => {
        if (pending) return;
        // at most 4 redraws a second, each chart in a frame of its own (drawSoon)
        pending = window.setTimeout(() => {
          pending = 0;
          drawSoon(redraw);
        }, 250);
      },
    );
    return () => {
      dispose();
      clearTimeout(pending);
      drawQueue.delete(redraw);
      plot.destroy();
    };
  }, [spec, width, train]);
  return <div ref={el} className="sg-train-chart" data-testid={`train-chart-${spec.id}-box`} />;
}

export function TrainCharts({ width }: { width: number }) {
  const w = Math.max(220, width);
  return (
    <div className="sg-train-charts" data-testid="train-charts">
      <p className="sg-field-help">The training loss is drawn at every step; the validation loss and the metric are measured at the end of each epoch (points). Gradient norm: before clipping, and after (dashed; the same line while under the clip).</p>
      {CHARTS.map((c) => (
        <Chart key={c.id} spec={c} width={w} />
      ))}
    </div>
  );
}

/** the last loss values the chart holds (for tests and the progress line) */
export function lossSeries(t: TrainStore): number[] {
  return t.steps.loss;
}
