// Two real time series from vega-datasets, one row per step in time order:
//   co2-concentration: monthly CO2 at Mauna Loa (ppm), 1958-2020. Months are missing up to
//     1964-04, so the series starts at 1964-05 (672 months without gaps). Added: month_sin,
//     month_cos (the month of the year on a circle: the seasonal cycle's phase).
//   seattle-weather: daily weather in Seattle, 2012-2015 (1,461 days). Added: day_sin, day_cos
//     (day of the year on a circle).
import { parseTable } from '../parse';
import type { Table } from '../table';
import { loadText } from './files';

const TAU = 2 * Math.PI;

export async function loadCO2(): Promise<Table> {
  const t = parseTable(await loadText('vega:co2-concentration.csv'), { file: 'co2-concentration.csv', series: true });
  const months = t.rows.map((r) => {
    const [y, m] = String(r.Date).split('-').map(Number);
    return y * 12 + (m - 1);
  });
  // start after the last gap, so every step is one month
  let start = 0;
  for (let i = 1; i < months.length; i++) if (months[i] - months[i - 1] !== 1) start = i;
  const rows = t.rows.slice(start).map((r, i) => {
    const m = months[start + i] % 12;
    return { date: String(r.Date), co2: r.CO2, co2_adjusted: r['adjusted CO2'], month_sin: String(Math.sin((TAU * m) / 12)), month_cos: String(Math.cos((TAU * m) / 12)) };
  });
  return {
    name: 'co2-concentration', kind: 'series', columns: ['date', 'co2', 'co2_adjusted', 'month_sin', 'month_cos'], rows,
    lines: t.lines.slice(start), problems: t.problems,
    notes: [`${t.rows.length} monthly readings; the ${start} before the last gap in the record left out, so the series is ${rows.length} consecutive months from ${rows[0]?.date}`],
  };
}

export async function loadSeattle(): Promise<Table> {
  const t = parseTable(await loadText('vega:seattle-weather.csv'), { file: 'seattle-weather.csv', series: true });
  const rows = t.rows.map((r) => {
    const d = new Date(`${String(r.date)}T00:00:00Z`);
    const day = (d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000;
    return { ...r, day_sin: String(Math.sin((TAU * day) / 365.25)), day_cos: String(Math.cos((TAU * day) / 365.25)) };
  });
  return {
    name: 'seattle-weather', kind: 'series', columns: [...t.columns, 'day_sin', 'day_cos'], rows, lines: t.lines, problems: t.problems,
    notes: [`${rows.length} days`],
  };
}
