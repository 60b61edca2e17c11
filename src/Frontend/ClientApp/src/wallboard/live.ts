// The last hour of each queue, sampled from the pushes the wallboard already gets (and every 10 s, so a quiet queue's
// line goes on): calls waiting and service level, drawn as live charts.
import { drawTimeSeries } from '../reports/charts';
import { Queue } from '../models';

const HOUR = 3_600_000;
const history = new Map<string, Array<{ at: number; waiting: number; sla: number | null }>>();

export function sample(q: Queue, at = Date.now()): void {
  const points = history.get(q.id) ?? [];
  points.push({ at, waiting: q.stats.waiting, sla: q.stats.serviceLevelPercent });
  while (points.length > 0 && points[0].at < at - HOUR) points.shift();
  history.set(q.id, points);
}

export function drawLive(queues: Queue[], now = Date.now()): void {
  const series = (pick: (p: { waiting: number; sla: number | null }) => number | null) =>
    queues.map((q) => ({
      label: q.name ?? q.id,
      points: [...(history.get(q.id) ?? []), { at: now, waiting: q.stats.waiting, sla: q.stats.serviceLevelPercent }]
        .map((p) => ({ x: p.at, y: pick(p) })),
    }));
  drawTimeSeries(document.getElementById('chart-waiting') as HTMLCanvasElement, series((p) => p.waiting), now - HOUR, now);
  drawTimeSeries(document.getElementById('chart-sla-live') as HTMLCanvasElement, series((p) => p.sla), now - HOUR, now, { percent: true });
}
