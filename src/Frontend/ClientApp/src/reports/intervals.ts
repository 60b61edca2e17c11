// The interval report: key figures, three charts (volume, service level and speed of answer, abandon times) and the table.
import { api } from '../api';
import { $, h } from '../ui';
import { drawSeries, Series } from './charts';
import { intervalQuery, ReportFilter } from './params';
import { exportButtons, renderTable, seconds } from './table';

export interface IntervalRow {
  start: string;
  end: string;
  group: string;
  offered: number;
  answered: number;
  abandoned: number;
  answeredInSla: number;
  abandonedAfterSla: number;
  abandonBuckets: number[];
  serviceLevelPercent: number | null;
  averageSpeedOfAnswerSeconds: number;
  averageHandleSeconds: number;
  talkSeconds: number;
  holdSeconds: number;
  wrapUpSeconds: number;
  occupancyPercent: number | null;
}

const BUCKETS = ['<10s', '10-30s', '30-60s', '60-120s', '>=120s'];

function label(iso: string, f: ReportFilter): string {
  const d = new Date(iso);
  const sameDay = f.to.getTime() - f.from.getTime() <= 86_400_000;
  if (f.interval === 'day') return d.toLocaleDateString([], { month: '2-digit', day: '2-digit' });
  if (f.interval === 'week') return `wk ${d.toLocaleDateString([], { month: '2-digit', day: '2-digit' })}`;
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${d.toLocaleDateString([], { month: '2-digit', day: '2-digit' })} ${time}`;
}

const sum = (rows: IntervalRow[], pick: (r: IntervalRow) => number) => rows.reduce((n, r) => n + pick(r), 0);

export async function loadIntervals(root: HTMLElement, f: ReportFilter): Promise<void> {
  const rows = await api<IntervalRow[]>(`/api/v1/reports/intervals?${intervalQuery(f)}`);
  const starts = [...new Set(rows.map((r) => r.start))].sort();
  const groups = [...new Set(rows.map((r) => r.group))].sort();
  const labels = starts.map((s) => label(s, f));
  const at = (pick: (r: IntervalRow) => number) => starts.map((s) => sum(rows.filter((r) => r.start === s), pick));

  // Key figures over the whole range.
  const answered = sum(rows, (r) => r.answered);
  const slaBase = sum(rows, (r) => r.answered + r.abandonedAfterSla);
  const kpi = (id: string, text: string) => ($(id).textContent = text);
  kpi('kpi-offered', String(sum(rows, (r) => r.offered)));
  kpi('kpi-answered', String(answered));
  kpi('kpi-abandoned', String(sum(rows, (r) => r.abandoned)));
  kpi('kpi-sla', slaBase > 0 ? `${((100 * sum(rows, (r) => r.answeredInSla)) / slaBase).toFixed(1)}%` : '–');
  kpi('kpi-asa', answered > 0 ? (seconds(sum(rows, (r) => r.averageSpeedOfAnswerSeconds * r.answered) / answered) ?? '–') : '–');
  kpi('kpi-aht', answered > 0 ? (seconds(sum(rows, (r) => r.averageHandleSeconds * r.answered) / answered) ?? '–') : '–');

  drawSeries($('chart-volume') as HTMLCanvasElement, labels, [
    { label: 'Offered', data: at((r) => r.offered), color: '#2563eb' },
    { label: 'Answered', data: at((r) => r.answered), color: '#16a34a' },
    { label: 'Abandoned', data: at((r) => r.abandoned), color: '#dc2626' },
  ]);
  const slaSeries: Series[] = groups.map((g) => ({
    label: f.groupBy === 'total' ? 'SLA %' : `${g} SLA %`,
    type: 'line',
    data: starts.map((s) => rows.find((r) => r.start === s && r.group === g)?.serviceLevelPercent ?? null),
  }));
  slaSeries.push({
    label: 'ASA (s)',
    type: 'bar',
    axis: 'y2',
    color: '#cbd5e1',
    data: starts.map((s) => {
      const at = rows.filter((r) => r.start === s);
      const n = sum(at, (r) => r.answered);
      return n > 0 ? Math.round((10 * sum(at, (r) => r.averageSpeedOfAnswerSeconds * r.answered)) / n) / 10 : null;
    }),
  });
  drawSeries($('chart-sla') as HTMLCanvasElement, labels, slaSeries, { percentAxis: true });
  drawSeries($('chart-abandon') as HTMLCanvasElement, BUCKETS, [
    { label: 'Abandoned calls', data: BUCKETS.map((_, i) => sum(rows, (r) => r.abandonBuckets[i] ?? 0)), color: '#dc2626' },
  ]);

  const shown = rows.filter((r) => r.offered > 0 || r.occupancyPercent !== null);
  const pct = (v: number | null) => (v === null ? null : `${v.toFixed(1)}%`);
  const table = renderTable<IntervalRow>('intervals-table', [
    { title: 'Interval', value: (r) => label(r.start, f) },
    { title: f.groupBy === 'total' ? '' : f.groupBy[0].toUpperCase() + f.groupBy.slice(1), value: (r) => (f.groupBy === 'total' ? '' : r.group) },
    { title: 'Offered', value: (r) => r.offered, num: true },
    { title: 'Answered', value: (r) => r.answered, num: true },
    { title: 'Abandoned', value: (r) => r.abandoned, num: true },
    { title: 'Abandon <10s / 10-30 / 30-60 / 60-120 / ≥120', value: (r) => r.abandonBuckets.join(' / '), num: true },
    { title: 'SLA', value: (r) => pct(r.serviceLevelPercent), num: true },
    { title: 'ASA', value: (r) => seconds(r.answered ? r.averageSpeedOfAnswerSeconds : null), num: true },
    { title: 'AHT', value: (r) => seconds(r.answered ? r.averageHandleSeconds : null), num: true },
    { title: 'Talk', value: (r) => seconds(r.talkSeconds), num: true },
    { title: 'Hold', value: (r) => seconds(r.holdSeconds), num: true },
    { title: 'Wrap-up', value: (r) => seconds(r.wrapUpSeconds), num: true },
    { title: 'Occupancy', value: (r) => pct(r.occupancyPercent), num: true },
  ], shown, (r) => `${r.group}|${r.start}`);
  root.replaceChildren(
    h('div', { class: 'section-head' }, h('h2', {}, 'Intervals'),
      exportButtons('intervals', (format) => `/api/v1/reports/intervals?${intervalQuery(f, { format })}`, 'interval-report')),
    h('div', { class: 'table-wrap' }, table),
  );
}
