// The agents' state timelines: one Gantt strip per agent over one local day, and the segments as a table.
import { api } from '../api';
import { $, h, statusLabel } from '../ui';
import { drawGantt } from './charts';
import { dayRange, ReportFilter } from './params';
import { exportButtons, renderTable, seconds } from './table';

interface Segment {
  agentId: string;
  status: string;
  reasonCode: string | null;
  callId: string | null;
  startedAt: string;
  endedAt: string;
  open: boolean;
}

export async function loadTimelines(root: HTMLElement, f: ReportFilter, onDay: (day: string) => void): Promise<void> {
  const [start, end] = dayRange(f.day);
  const query = (format?: string) => {
    const p = new URLSearchParams({ from: start.toISOString(), to: end.toISOString() });
    if (f.agentId) p.set('agentId', f.agentId);
    if (f.teamId) p.set('teamId', f.teamId);
    if (format) p.set('format', format);
    return p.toString();
  };
  const segments = (await api<Segment[]>(`/api/v1/reports/timelines?${query()}`)).filter((s) => s.status !== 'loggedOut');
  const agents = [...new Set(segments.map((s) => s.agentId))].sort();
  const canvas = $('chart-timeline') as HTMLCanvasElement;
  canvas.parentElement!.style.height = `${Math.max(160, 60 + agents.length * 34)}px`;
  drawGantt(canvas, agents, segments.map((s) => ({
    row: s.agentId,
    status: s.status,
    start: Date.parse(s.startedAt),
    end: Date.parse(s.endedAt),
    detail: s.reasonCode ?? s.callId ?? '',
  })), start.getTime(), end.getTime(), statusLabel);

  const day = h('input', { id: 'timeline-day', type: 'date', value: f.day });
  day.addEventListener('change', () => day.value && onDay(day.value));
  const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  root.replaceChildren(
    h('div', { class: 'section-head' }, h('h2', {}, 'Agent states'), h('label', { class: 'inline' }, 'Day ', day),
      exportButtons('timelines', (format) => `/api/v1/reports/timelines?${query(format)}`, 'agent-timelines')),
    h('details', {}, h('summary', {}, `${segments.length} states`), h('div', { class: 'table-wrap' }, renderTable<Segment>('timelines-table', [
      { title: 'Agent', value: (s) => s.agentId },
      { title: 'State', value: (s) => statusLabel(s.status) + (s.open ? ' (now)' : '') },
      { title: 'Reason', value: (s) => s.reasonCode },
      { title: 'Call', value: (s) => s.callId },
      { title: 'From', value: (s) => time(s.startedAt) },
      { title: 'To', value: (s) => time(s.endedAt) },
      { title: 'Duration', value: (s) => seconds((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000), num: true },
    ], segments))),
  );
}
