// Call detail: the range's calls (paged), and for the one picked, its steps from arrival to wrap-up.
import { api } from '../api';
import { h, timeOfDay } from '../ui';
import { ReportFilter } from './params';
import { exportButtons, renderTable, seconds } from './table';

interface CallRow {
  id: string;
  direction: string;
  disposition: string;
  from: string | null;
  queueId: string | null;
  agentId: string | null;
  arrivedAt: string | null;
  waitSeconds: number | null;
  talkSeconds: number | null;
  holdSeconds: number;
  customerName: string | null;
}

interface CallTimeline {
  call: CallRow;
  events: Array<{ at: string; kind: string; agentId: string | null; detail: string | null; durationSeconds: number | null }>;
}

const PAGE = 25;

export async function loadCalls(root: HTMLElement, detail: HTMLElement, f: ReportFilter, onPick: (id: string) => void, page = 1): Promise<void> {
  const p = new URLSearchParams({ from: f.from.toISOString(), to: f.to.toISOString(), page: String(page), pageSize: String(PAGE) });
  if (f.queueId) p.set('queueId', f.queueId);
  if (f.agentId) p.set('agentId', f.agentId);
  const result = await api<{ items: CallRow[]; total: number }>(`/api/v1/calls?${p.toString()}`);
  const exportQuery = (format: string) => {
    const q = new URLSearchParams({ from: f.from.toISOString(), to: f.to.toISOString(), format });
    if (f.queueId) q.set('queueId', f.queueId);
    if (f.agentId) q.set('agentId', f.agentId);
    return `/api/v1/reports/calls/export?${q.toString()}`;
  };
  const prev = h('button', { id: 'calls-prev', type: 'button', class: 'small' }, '‹');
  const next = h('button', { id: 'calls-next', type: 'button', class: 'small' }, '›');
  prev.disabled = page <= 1;
  next.disabled = page * PAGE >= result.total;
  prev.addEventListener('click', () => void loadCalls(root, detail, f, onPick, page - 1));
  next.addEventListener('click', () => void loadCalls(root, detail, f, onPick, page + 1));
  root.replaceChildren(
    h('div', { class: 'section-head' }, h('h2', {}, 'Calls'), exportButtons('calls', exportQuery, 'calls')),
    h('div', { class: 'table-wrap' }, renderTable<CallRow>('calls-table', [
      { title: 'Arrived', value: (c) => timeOfDay(c.arrivedAt) },
      { title: 'Caller', value: (c) => c.customerName ?? c.from },
      { title: 'Direction', value: (c) => c.direction },
      { title: 'Queue', value: (c) => c.queueId },
      { title: 'Agent', value: (c) => c.agentId },
      { title: 'Outcome', value: (c) => c.disposition },
      { title: 'Wait', value: (c) => seconds(c.waitSeconds), num: true },
      { title: 'Talk', value: (c) => seconds(c.talkSeconds), num: true },
    ], result.items, (c) => c.id, (c) => onPick(c.id))),
    h('div', { class: 'pager' }, prev, h('span', { class: 'muted' }, `${result.total} calls`), next),
  );
  if (f.call) await loadCallDetail(detail, f.call);
}

export async function loadCallDetail(root: HTMLElement, id: string): Promise<void> {
  const t = await api<CallTimeline>(`/api/v1/reports/calls/${encodeURIComponent(id)}/timeline`);
  root.hidden = false;
  root.replaceChildren(
    h('div', { class: 'section-head' }, h('h2', {}, `Call ${t.call.id}`),
      exportButtons('call', (format) => `/api/v1/reports/calls/${encodeURIComponent(id)}/timeline?format=${format}`, `call-${id}`)),
    h('p', { class: 'muted' }, `${t.call.direction} · ${t.call.from ?? ''} · queue ${t.call.queueId ?? '–'} · ${t.call.disposition}`),
    h('ol', { id: 'call-events', class: 'timeline' }, ...t.events.map((e) =>
      h('li', { 'data-kind': e.kind },
        h('time', {}, new Date(e.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })),
        h('strong', {}, e.kind), e.agentId ? h('span', {}, ` ${e.agentId}`) : null,
        e.detail ? h('span', { class: 'muted' }, ` ${e.detail}`) : null,
        e.durationSeconds !== null ? h('span', { class: 'num' }, ` ${seconds(e.durationSeconds)}`) : null))),
  );
}
