import { HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { accessToken, api, requireSession, signOut } from './api';
import { Agent, Call, CommandResult, Queue } from './models';
import { $, clock, duration, h, since, statusLabel, toast } from './ui';

interface WallboardSnapshot {
  agents: Agent[];
  queues: Queue[];
  calls: Call[];
}

const agents = new Map<string, Agent>();
const queues = new Map<string, Queue>();
const calls = new Map<string, Call>();
let hub: HubConnection;

const STATUS_ORDER = ['onCall', 'reserved', 'wrapUp', 'ready', 'notReady', 'loggedOut'];

function renderKpis(): void {
  const all = [...queues.values()];
  const waiting = all.reduce((n, q) => n + q.stats.waiting, 0);
  const longest = Math.max(0, ...all.map((q) => q.stats.longestWaitSeconds));
  const answered = all.reduce((n, q) => n + q.stats.answered, 0);
  const abandoned = all.reduce((n, q) => n + q.stats.abandoned, 0);
  const sla = all.filter((q) => q.stats.serviceLevelPercent != null);
  const ready = [...agents.values()].filter((a) => a.status === 'ready').length;
  const busy = [...agents.values()].filter((a) => a.status === 'onCall' || a.status === 'reserved').length;
  $('kpi-waiting').textContent = String(waiting);
  $('kpi-longest').textContent = duration(longest);
  $('kpi-sla').textContent = sla.length ? `${Math.round(sla.reduce((n, q) => n + q.stats.serviceLevelPercent!, 0) / sla.length)}%` : '–';
  $('kpi-answered').textContent = String(answered);
  $('kpi-abandoned').textContent = String(abandoned);
  $('kpi-ready').textContent = String(ready);
  $('kpi-busy').textContent = String(busy);
}

function renderQueues(): void {
  $('queues-body').replaceChildren(
    ...[...queues.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((q) => {
        const s = q.stats;
        const slaClass = s.serviceLevelPercent == null ? '' : s.serviceLevelPercent >= 80 ? 'good' : 'bad';
        return h(
          'tr',
          { 'data-queue-id': q.id },
          h('td', {}, h('strong', {}, q.name ?? q.id), h('small', {}, q.numbers.join(', '))),
          h('td', { class: `num ${s.waiting > 0 ? 'warn' : ''}`, 'data-field': 'waiting' }, String(s.waiting)),
          h('td', { class: 'num', 'data-field': 'longest' }, duration(s.longestWaitSeconds)),
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
}

async function supervise(name: string, agentId: string): Promise<void> {
  const result = await hub.invoke<CommandResult>(name, agentId, null);
  if (!result.ok) toast(result.message ?? 'Refused', 'error');
}

function renderAgents(): void {
  const sorted = [...agents.values()].sort(
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
  $('agents-empty').hidden = agents.size > 0;
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

function tick(): void {
  $('clock').textContent = clock();
  for (const el of document.querySelectorAll<HTMLElement>('[data-since]')) {
    if (el.dataset.since) el.textContent = duration(since(el.dataset.since));
  }
}

async function loadSnapshot(): Promise<void> {
  const snapshot = await hub.invoke<WallboardSnapshot>('GetSnapshot');
  agents.clear();
  queues.clear();
  calls.clear();
  snapshot.agents.forEach((a) => agents.set(a.id, a));
  snapshot.queues.forEach((q) => queues.set(q.id, q));
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
}

void main();
