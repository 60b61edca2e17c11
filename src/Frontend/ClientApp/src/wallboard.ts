// The wallboard: queues' live KPIs with thresholds (amber/red tiles and alerts), the last hour as live charts, agents
// and calls in progress; filters by team and queue (in the URL), and a TV mode.
import { HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { accessToken, api, requireSession, signOut } from './api';
import { Agent, Call, CommandResult, Queue } from './models';
import { $, clock, duration, h, since, statusLabel, toast } from './ui';
import { Level, levelOf, loadThresholds, track } from './wallboard/alerts';
import { editThresholds } from './wallboard/thresholds';
import { drawLive, sample } from './wallboard/live';
import { isTv, renderTv, setTv } from './wallboard/tv';

interface TeamView {
  id: string;
  name: string;
  queues: string[];
}

interface WallboardSnapshot {
  agents: Agent[];
  queues: Queue[];
  calls: Call[];
}

const agents = new Map<string, Agent>();
const queues = new Map<string, Queue>();
const calls = new Map<string, Call>();
let hub: HubConnection;
const received = new Map<string, number>();
const teams = new Map<string, TeamView>();
const params = new URLSearchParams(window.location.search);
let teamFilter = params.get('team') ?? '';
let queueFilter = params.get('queue') ?? '';

// The oldest waiting call of each queue and when, by this browser's clock, it started waiting: estimated once from the
// pushed longest wait when the call is first seen, so the wait grows smoothly between pushes and no clock skew between
// server and browser matters.
const oldest = new Map<string, { callId: string; localStart: number }>();

function noteOldest(q: Queue, now = Date.now()): void {
  const first = q.waitingCalls.reduce<Queue['waitingCalls'][number] | undefined>(
    (a, c) => (a === undefined || Date.parse(c.joinedAt) < Date.parse(a.joinedAt) ? c : a), undefined);
  if (!first || q.stats.waiting === 0) oldest.delete(q.id);
  else if (oldest.get(q.id)?.callId !== first.callId) oldest.set(q.id, { callId: first.callId, localStart: now - q.stats.longestWaitSeconds * 1000 });
}

/** A queue's longest wait now (it grows between pushes). */
function longestWait(q: Queue, now = Date.now()): number {
  if (q.stats.waiting === 0) return 0;
  const o = oldest.get(q.id);
  return o ? Math.max(0, now - o.localStart) / 1000 : q.stats.longestWaitSeconds + Math.max(0, now - (received.get(q.id) ?? now)) / 1000;
}

function queueShown(q: Queue): boolean {
  if (queueFilter && q.id !== queueFilter) return false;
  const team = teamFilter ? teams.get(teamFilter) : undefined;
  return !teamFilter || (team?.queues.includes(q.id) ?? false);
}

function agentShown(a: Agent): boolean {
  if (teamFilter && a.teamId !== teamFilter) return false;
  return !queueFilter || a.queues.includes(queueFilter);
}

function shownQueues(): Queue[] {
  return [...queues.values()].filter(queueShown).sort((a, b) => a.id.localeCompare(b.id));
}

function tvLevel(q: Queue): { level: Level; longest: number } {
  const longest = longestWait(q);
  return { level: levelOf(q, longest).level, longest };
}

const STATUS_ORDER = ['onCall', 'reserved', 'wrapUp', 'ready', 'notReady', 'loggedOut'];

function renderKpis(): void {
  const all = shownQueues();
  const waiting = all.reduce((n, q) => n + q.stats.waiting, 0);
  const longest = Math.max(0, ...all.map((q) => q.stats.longestWaitSeconds));
  const answered = all.reduce((n, q) => n + q.stats.answered, 0);
  const abandoned = all.reduce((n, q) => n + q.stats.abandoned, 0);
  const sla = all.filter((q) => q.stats.serviceLevelPercent != null);
  const shown = [...agents.values()].filter(agentShown);
  const ready = shown.filter((a) => a.status === 'ready').length;
  const busy = shown.filter((a) => a.status === 'onCall' || a.status === 'reserved').length;
  $('kpi-waiting').textContent = String(waiting);
  $('kpi-longest').textContent = duration(Math.max(longest, ...all.map((q) => longestWait(q))));
  $('kpi-sla').textContent = sla.length ? `${Math.round(sla.reduce((n, q) => n + q.stats.serviceLevelPercent!, 0) / sla.length)}%` : '–';
  $('kpi-answered').textContent = String(answered);
  $('kpi-abandoned').textContent = String(abandoned);
  $('kpi-ready').textContent = String(ready);
  $('kpi-busy').textContent = String(busy);
}

function renderQueues(): void {
  $('queues-body').replaceChildren(
    ...shownQueues().map((q) => {
        const s = q.stats;
        const slaClass = s.serviceLevelPercent == null ? '' : s.serviceLevelPercent >= 80 ? 'good' : 'bad';
        const longest = longestWait(q);
        const settings = h('button', { type: 'button', class: 'small ghost thresholds', title: 'Thresholds' }, '⚙');
        settings.addEventListener('click', () => void editThresholds(q, () => refreshLevels()));
        return h(
          'tr',
          { 'data-queue-id': q.id, 'data-level': track(q, longest) },
          h('td', {}, h('strong', {}, q.name ?? q.id), h('small', {}, q.numbers.join(', ')), settings),
          h('td', { class: `num ${s.waiting > 0 ? 'warn' : ''}`, 'data-field': 'waiting' }, String(s.waiting)),
          h('td', { class: 'num', 'data-field': 'longest' }, duration(longest)),
          h('td', { class: `num ${slaClass}`, 'data-field': 'sla' }, s.serviceLevelPercent == null ? '–' : `${Math.round(s.serviceLevelPercent)}%`),
          h('td', { class: 'num' }, String(s.answered)),
          h('td', { class: 'num', 'data-field': 'abandoned' }, String(s.abandoned)),
          h('td', { class: 'num' }, duration(s.averageSpeedOfAnswerSeconds)),
          h('td', { class: 'num' }, `${s.readyAgents}/${s.loggedInAgents}`),
        );
      }),
  );
  $('queues-empty').hidden = queues.size > 0;
  renderKpis();
  renderTv(shownQueues(), tvLevel);
}

/** Re-evaluates every queue's thresholds against the growing waits (between pushes). */
function refreshLevels(): void {
  for (const q of shownQueues()) {
    const longest = longestWait(q);
    const row = document.querySelector<HTMLElement>(`#queues-body tr[data-queue-id="${CSS.escape(q.id)}"]`);
    if (!row) continue;
    row.dataset.level = track(q, longest);
    const cell = row.querySelector<HTMLElement>('[data-field=longest]');
    if (cell) cell.textContent = duration(longest);
  }
}

async function supervise(name: string, agentId: string): Promise<void> {
  const result = await hub.invoke<CommandResult>(name, agentId, null);
  if (!result.ok) toast(result.message ?? 'Refused', 'error');
}

function renderAgents(): void {
  const sorted = [...agents.values()].filter(agentShown).sort(
    (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || a.id.localeCompare(b.id),
  );
  $('agents-grid').replaceChildren(
    ...sorted.map((a) => {
      const notReady = h('button', { type: 'button', class: 'small', title: 'Force Not Ready' }, 'Not Ready');
      notReady.addEventListener('click', () => void supervise('ForceNotReady', a.id));
      const logout = h('button', { type: 'button', class: 'small ghost', title: 'Log out' }, 'Log out');
      logout.addEventListener('click', () => void supervise('ForceLogout', a.id));
      const call = a.callId ? calls.get(a.callId) : undefined;
      return h(
        'article',
        { class: 'agent-card', 'data-agent-id': a.id, 'data-status': a.status },
        h('header', {}, h('strong', {}, a.name ?? a.id), h('small', {}, a.extension ? `Ext. ${a.extension}` : a.id)),
        h('div', { class: 'agent-state' }, h('span', { class: 'status-pill', 'data-status': a.status }, statusLabel(a.status)),
          h('span', { class: 'time', 'data-since': a.stateSince }, duration(since(a.stateSince)))),
        h('div', { class: 'agent-detail' }, a.status === 'notReady' ? (a.reasonCode ?? '') : call ? (call.customer?.name ?? call.from ?? '') : ''),
        a.status === 'loggedOut' ? null : h('footer', {}, notReady, logout),
      );
    }),
  );
  $('agents-empty').hidden = sorted.length > 0;
  renderKpis();
}

function renderCalls(): void {
  const active = [...calls.values()].filter((c) => c.status !== 'ended');
  $('calls-body').replaceChildren(
    ...active.map((c) =>
      h(
        'tr',
        { 'data-call-id': c.id },
        h('td', {}, c.customer?.name ?? c.callerName ?? c.from ?? ''),
        h('td', {}, c.queueId ?? (c.direction === 'outbound' || c.direction === 'internal' ? c.direction : '')),
        h('td', {}, c.agentId ?? '–'),
        h('td', {}, c.status),
        h('td', { class: 'num time', 'data-since': c.connectedAt ?? c.arrivedAt ?? '' }, duration(since(c.connectedAt ?? c.arrivedAt))),
      ),
    ),
  );
  $('calls-empty').hidden = active.length > 0;
}

let ticks = 0;

function tick(): void {
  $('clock').textContent = clock();
  for (const el of document.querySelectorAll<HTMLElement>('[data-since]')) {
    if (el.dataset.since) el.textContent = duration(since(el.dataset.since));
  }
  refreshLevels();
  renderKpis();
  if (++ticks % 10 === 0) queues.forEach((q) => sample(q));
  drawLive(shownQueues());
  if (isTv()) renderTv(shownQueues(), tvLevel);
}

function applyFilters(): void {
  const url = new URLSearchParams(window.location.search);
  for (const [key, value] of [['team', teamFilter], ['queue', queueFilter]] as const) {
    if (value) url.set(key, value);
    else url.delete(key);
  }
  window.history.replaceState(null, '', `${window.location.pathname}${url.size ? `?${url.toString()}` : ''}`);
  renderQueues();
  renderAgents();
  drawLive(shownQueues());
}

async function setupFilters(): Promise<void> {
  const list = await api<TeamView[]>('/api/v1/teams').catch(() => [] as TeamView[]);
  list.forEach((t) => teams.set(t.id, t));
  const team = $('filter-team') as HTMLSelectElement;
  team.replaceChildren(h('option', { value: '' }, 'All teams'), ...list.map((t) => h('option', { value: t.id }, t.name)));
  team.value = teamFilter;
  team.addEventListener('change', () => ((teamFilter = team.value), applyFilters()));
  fillQueueFilter();
  const queue = $('filter-queue') as HTMLSelectElement;
  queue.addEventListener('change', () => ((queueFilter = queue.value), applyFilters()));
}

function fillQueueFilter(): void {
  const queue = $('filter-queue') as HTMLSelectElement;
  queue.replaceChildren(h('option', { value: '' }, 'All queues'),
    ...[...queues.values()].sort((a, b) => a.id.localeCompare(b.id)).map((q) => h('option', { value: q.id }, q.name ?? q.id)));
  queue.value = queueFilter;
}

async function loadSnapshot(): Promise<void> {
  const snapshot = await hub.invoke<WallboardSnapshot>('GetSnapshot');
  agents.clear();
  queues.clear();
  calls.clear();
  snapshot.agents.forEach((a) => agents.set(a.id, a));
  snapshot.queues.forEach((q) => {
    queues.set(q.id, q);
    received.set(q.id, Date.now());
    noteOldest(q);
    sample(q);
  });
  fillQueueFilter();
  snapshot.calls.forEach((c) => calls.set(c.id, c));
  renderQueues();
  renderAgents();
  renderCalls();
}

interface Connector {
  kind: string;
  name: string;
  healthy: boolean;
  reason: string | null;
  since: string | null;
}

/** The PBX connectors' links (3CX), polled: a red indicator says which PBX the ACD cannot see and why. */
async function renderConnectors(): Promise<void> {
  try {
    const connectors = await api<Connector[]>('/api/v1/connectors');
    $('connectors').replaceChildren(
      ...connectors.map((c) =>
        h('span', { class: 'indicator connector', 'data-state': c.healthy ? 'connected' : 'offline', title: c.reason ?? '' },
          `${c.kind.toUpperCase()} ${c.name}: ${c.healthy ? 'connected' : `down${c.reason ? ` (${c.reason})` : ''}`}`),
      ),
    );
  } catch {
    // The next poll tries again; the hub's own indicator shows whether the frontend is reachable.
  }
}

async function main(): Promise<void> {
  const session = await requireSession('supervisor');
  document.body.classList.add('ready');
  $('user-name').textContent = session.username;
  hub = new HubConnectionBuilder()
    .withUrl('/hubs/supervisor', { accessTokenFactory: () => accessToken() })
    .withAutomaticReconnect()
    .configureLogging(LogLevel.Warning)
    .build();
  hub.on('AgentState', (a: Agent) => {
    const before = agents.get(a.id)?.callId;
    if (before && before !== a.callId && calls.get(before)?.agentId === a.id) {
      // The agent is done with that call; its final state may follow.
      calls.delete(before);
      renderCalls();
    }
    agents.set(a.id, a);
    renderAgents();
  });
  hub.on('QueueState', (q: Queue) => {
    queues.set(q.id, q);
    received.set(q.id, Date.now());
    noteOldest(q);
    sample(q);
    renderQueues();
  });
  hub.on('CallState', (c: Call) => {
    if (c.status === 'ended') calls.delete(c.id);
    else calls.set(c.id, c);
    renderCalls();
    renderAgents();
  });
  hub.on('CallOffered', () => undefined);
  const status = $('connection-status');
  hub.onreconnecting(() => ((status.dataset.state = 'reconnecting'), (status.textContent = 'Reconnecting…')));
  hub.onreconnected(() => {
    status.dataset.state = 'connected';
    status.textContent = 'Live';
    void loadSnapshot();
  });
  hub.onclose(() => ((status.dataset.state = 'offline'), (status.textContent = 'Offline')));
  await Promise.all([setupFilters(), loadThresholds().catch(() => undefined)]);
  ($('alert-sound') as HTMLInputElement).checked = localStorage.getItem('acd.alertSound') === 'on';
  $('alert-sound').addEventListener('change', (e) =>
    localStorage.setItem('acd.alertSound', (e.target as HTMLInputElement).checked ? 'on' : 'off'));
  $('alert-banner').addEventListener('click', () => ($('alert-banner').hidden = true));
  $('tv-button').addEventListener('click', () => setTv(!isTv(), shownQueues, tvLevel));
  $('tv-exit').addEventListener('click', () => setTv(false, shownQueues, tvLevel));
  await hub.start();
  status.dataset.state = 'connected';
  status.textContent = 'Live';
  await loadSnapshot();
  await renderConnectors();
  setInterval(() => void renderConnectors(), 10_000);
  $('dashboard-link').addEventListener('click', async (e) => {
    e.preventDefault();
    await api('/api/v1/auth/dashboard-session', { method: 'POST' });
    window.open('/dashboard/', '_blank', 'noopener');
  });
  $('logout-button').onclick = async () => {
    await hub.stop();
    await signOut();
    window.location.replace('/index.html');
  };
  window.setInterval(tick, 1000);
  if (params.get('tv') === '1') setTv(true, shownQueues, tvLevel);
  drawLive(shownQueues());
}

void main();
