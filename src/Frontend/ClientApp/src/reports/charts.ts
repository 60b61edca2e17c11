// Chart.js, registered with only the parts the reports and the wallboard draw (esbuild bundles just those). Each chart
// also writes the figures it draws into its canvas (data-series) so a test, or a curious user, can read them back.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  ChartDataset,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';

export const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#f59e0b', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569'];

export const STATUS_COLORS: Record<string, string> = {
  ready: '#16a34a',
  reserved: '#f59e0b',
  onCall: '#2563eb',
  wrapUp: '#7c3aed',
  notReady: '#dc2626',
  loggedOut: '#94a3b8',
};

const charts = new Map<HTMLCanvasElement, { destroy(): void }>();

export interface Series {
  label: string;
  data: Array<number | null>;
  color?: string;
  type?: 'bar' | 'line';
  stack?: string;
  axis?: 'y' | 'y2';
}

/** Bars and/or lines over category labels (intervals). Replaces the chart already on the canvas. */
export function drawSeries(canvas: HTMLCanvasElement, labels: string[], series: Series[], opts: { stacked?: boolean; percentAxis?: boolean } = {}): Chart {
  charts.get(canvas)?.destroy();
  const datasets = series.map(
    (s, i) =>
      ({
        type: s.type ?? 'bar',
        label: s.label,
        data: s.data,
        backgroundColor: s.color ?? PALETTE[i % PALETTE.length],
        borderColor: s.color ?? PALETTE[i % PALETTE.length],
        borderWidth: s.type === 'line' ? 2 : 0,
        pointRadius: s.type === 'line' ? 2 : 0,
        stack: s.stack,
        yAxisID: s.axis ?? 'y',
        spanGaps: true,
      }) as ChartDataset<'bar' | 'line', Array<number | null>>,
  );
  const scales: Record<string, object> = {
    x: { stacked: opts.stacked ?? false, ticks: { maxRotation: 0, autoSkip: true } },
    y: { stacked: opts.stacked ?? false, beginAtZero: true, ...(opts.percentAxis ? { max: 100 } : {}) },
  };
  if (series.some((s) => s.axis === 'y2')) scales.y2 = { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } };
  const chart = new Chart(canvas, {
    type: 'bar',
    data: { labels, datasets },
    options: { responsive: true, scales, plugins: { legend: { position: 'bottom' } } },
  });
  charts.set(canvas, chart);
  canvas.dataset.labels = JSON.stringify(labels);
  canvas.dataset.series = JSON.stringify(Object.fromEntries(series.map((s) => [s.label, s.data])));
  return chart;
}

export interface GanttBar {
  row: string;
  status: string;
  start: number;
  end: number;
  detail: string;
}

/** One strip per row (agent) over [min, max): floating horizontal bars, one dataset per state. */
export function drawGantt(canvas: HTMLCanvasElement, rows: string[], bars: GanttBar[], min: number, max: number, statusLabel: (s: string) => string): void {
  charts.get(canvas)?.destroy();
  const statuses = [...new Set(bars.map((b) => b.status))];
  const datasets = statuses.map((status) => ({
    label: statusLabel(status),
    data: bars.filter((b) => b.status === status).map((b) => ({ x: [b.start, b.end] as [number, number], y: b.row, detail: b.detail })),
    backgroundColor: STATUS_COLORS[status] ?? '#64748b',
    grouped: false,
    barPercentage: 0.8,
    categoryPercentage: 1,
  }));
  const time = (v: number) => new Date(v).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const chart = new Chart(canvas, {
    type: 'bar',
    data: { labels: rows, datasets },
    options: {
      indexAxis: 'y',
      responsive: true,
      scales: {
        x: { type: 'linear', min, max, ticks: { callback: (v) => time(Number(v)), stepSize: 3_600_000 } },
        y: { type: 'category' },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const raw = ctx.raw as { x: [number, number]; detail: string };
              return `${ctx.dataset.label}: ${time(raw.x[0])}–${time(raw.x[1])} ${raw.detail}`;
            },
          },
        },
      },
    },
  });
  charts.set(canvas, chart);
  canvas.dataset.rows = JSON.stringify(rows);
  canvas.dataset.series = JSON.stringify(
    Object.fromEntries(statuses.map((s) => [s, bars.filter((b) => b.status === s).map((b) => ({ row: b.row, start: b.start, end: b.end }))])),
  );
}

/** Whether the canvas has anything drawn on it (for the page's own empty-state logic and for tests). */
export function hasInk(canvas: HTMLCanvasElement): boolean {
  const ctx = canvas.getContext('2d');
  if (!ctx || canvas.width === 0 || canvas.height === 0) return false;
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  return false;
}

export interface TimeSeries {
  label: string;
  points: Array<{ x: number; y: number | null }>;
}

const timeCharts = new Map<HTMLCanvasElement, Chart<'line', Array<{ x: number; y: number | null }>>>();

/** Lines over time ([min, max] in ms); a chart already on the canvas is updated in place (no flicker on a wallboard). */
export function drawTimeSeries(canvas: HTMLCanvasElement, series: TimeSeries[], min: number, max: number, opts: { percent?: boolean } = {}): void {
  const datasets = series.map((s, i) => ({
    label: s.label,
    data: s.points,
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length],
    borderWidth: 2,
    pointRadius: 0,
    stepped: true as const,
    spanGaps: true,
  }));
  let chart = timeCharts.get(canvas);
  if (!chart) {
    const time = (v: number) => new Date(v).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    chart = new Chart(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        responsive: true,
        parsing: false,
        scales: {
          x: { type: 'linear', min, max, ticks: { callback: (v) => time(Number(v)), stepSize: 600_000 } },
          y: { beginAtZero: true, ...(opts.percent ? { max: 100 } : { suggestedMax: 5 }), ticks: { precision: 0 } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    timeCharts.set(canvas, chart);
  } else {
    chart.data.datasets = datasets;
    chart.options.scales!.x!.min = min;
    chart.options.scales!.x!.max = max;
    chart.update('none');
  }
  canvas.dataset.series = JSON.stringify(Object.fromEntries(series.map((s) => [s.label, s.points.map((p) => p.y)])));
}
