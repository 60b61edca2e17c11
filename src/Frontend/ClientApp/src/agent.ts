import { HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';
import { accessToken, api, ApiError, requireSession, signOut } from './api';
import { Agent, Call, CallDigit, CallRecord, CommandResult, Queue } from './models';
import { notify, requestNotificationPermission, startRinging, stopRinging } from './ringer';
import { lossPercent } from './media';
import { CtiSoftPhone, loadSoftPhone, PhoneCallState, PhoneState, SoftPhone } from './softphone';
import { $, clock, duration, h, since, statusLabel, timeOfDay, toast } from './ui';

interface DesktopSnapshot {
  agent: Agent;
  call: Call | null;
  queues: Queue[];
  reasonCodes: string[];
}

const DIAL_HISTORY_KEY = 'acd.dialHistory';
let agent: Agent | null = null;
let call: Call | null = null;
const queues = new Map<string, Queue>();
const endedCalls = new Map<string, Call>();
// Calls known to be over: late or stale updates for them (e.g. a read that raced the hang-up) are ignored.
const finished = new Set<string>();
let hub: HubConnection;
let phone: SoftPhone = new CtiSoftPhone();
let phoneCall: { callId: string; state: PhoneCallState } | null = null;

async function command(name: string, ...args: unknown[]): Promise<boolean> {
  return (await commandResult(name, ...args))?.ok === true;
}

/** A hub command's result (a refusal is shown as a toast); null when the hub could not be reached. */
async function commandResult(name: string, ...args: unknown[]): Promise<CommandResult | null> {
  try {
    const result = await hub.invoke<CommandResult>(name, ...args);
    if (!result.ok) toast(result.message ?? result.error ?? 'Refused', 'error');
    return result;
  } catch (e) {
    toast(e instanceof Error ? e.message : 'Not connected', 'error');
    return null;
  }
}

function renderAgent(): void {
  if (!agent) return;
  $('agent-name').textContent = agent.name ?? agent.id;
  $('agent-extension').textContent = agent.extension ? `Ext. ${agent.extension}` : '';
  const status = $('agent-status');
  status.textContent = statusLabel(agent.status);
  status.dataset.status = agent.status;
  document.body.dataset.agentStatus = agent.status;
  $('agent-reason').textContent =
    agent.status === 'notReady' && agent.reasonCode ? agent.reasonCode : agent.pendingReasonCode ? `next: ${agent.pendingReasonCode}` : '';
  ($('btn-ready') as HTMLButtonElement).disabled = agent.status === 'ready' || agent.status === 'reserved' || agent.status === 'onCall';
  ($('btn-not-ready') as HTMLButtonElement).disabled = agent.status === 'loggedOut';
  $('btn-acd-login').hidden = agent.status !== 'loggedOut';
  $('calls-handled').textContent = String(agent.callsHandled);
  tick();
}

function renderCall(): void {
  const panel = $('call-panel');
  const state = !call || call.status === 'ended' ? 'idle' : call.status;
  panel.dataset.state = state;
  const active = !!call && call.status !== 'ended';
  $('call-idle').hidden = active;
  $('call-active').hidden = !active;
  const offered = active && call!.status === 'offered' && call!.agentId === agent?.id && agent?.status === 'reserved';
  const connected = active && (call!.status === 'connected' || call!.status === 'held' || call!.status === 'transferring');
  // Internal calls (agent to agent) cannot be transferred or parked; a 3CX PBX's API has no hold, park or DTMF.
  const internal = active && call!.direction === 'internal';
  const threeCx = active && call!.carrier === '3cx';
  // A 3CX call is answered on the 3CX phone or app: the API cannot pick up an extension's call.
  ($('btn-answer') as HTMLButtonElement).hidden = !offered || threeCx;
  ($('btn-reject') as HTMLButtonElement).hidden = !offered;
  ($('btn-hold') as HTMLButtonElement).hidden = !connected || threeCx;
  ($('btn-transfer') as HTMLButtonElement).hidden = !connected || internal;
  ($('btn-park') as HTMLButtonElement).hidden = !connected || internal || threeCx || call!.status === 'transferring';
  for (const key of document.querySelectorAll<HTMLButtonElement>('.dialpad-key')) key.disabled = threeCx;
  ($('btn-hangup') as HTMLButtonElement).hidden = !active || offered;
  $('btn-hold').textContent = call?.status === 'held' ? 'Resume' : 'Hold';
  if (offered) startRinging();
  else stopRinging();
  if (!active) {
    $('transfer-box').hidden = true;
    return;
  }
  const c = call!;
  const customer = c.customer;
  // The colleague on an internal call: the one who called (its name), or, for its caller, the one it dialled.
  const placed = c.direction === 'internal' && c.callerAgentId === agent?.id;
  $('call-direction').textContent =
    c.direction === 'internal'
      ? placed
        ? 'Internal call · you called'
        : 'Internal call'
      : c.direction === 'outbound'
        ? 'Outbound call'
        : `Inbound call${c.queueId ? ` · ${c.queueId}` : ''}`;
  $('call-state').textContent =
    { offered: 'Ringing', connected: 'Connected', held: 'On hold', transferring: 'Transferring', queued: 'Waiting', arrived: 'Arriving', parked: 'Parked' }[
      c.status
    ] ?? c.status;
  const farEnd = c.direction === 'outbound' || placed ? c.to : c.from;
  $('call-caller').textContent = placed ? (c.to ?? 'Colleague') : (customer?.name ?? c.callerName ?? farEnd ?? 'Unknown caller');
  $('call-number').textContent = farEnd ?? '';
  const digits = digitsByCall.get(c.id) ?? '';
  $('call-digits').hidden = digits.length === 0;
  $('call-digits').textContent = `Caller pressed: ${digits}`;
  const popup = $('customer-popup');
  popup.hidden = !customer;
  if (customer) {
    $('customer-name').textContent = customer.name ?? 'Unknown customer';
    $('customer-company').textContent = customer.company ?? '';
    $('customer-email').textContent = customer.email ?? '';
    $('customer-notes').textContent = customer.notes ?? '';
    $('customer-id').textContent = customer.id ? `#${customer.id}` : '';
    $('customer-source').textContent =
      customer.source === 'crm' ? 'CRM' : customer.source === 'builtin' ? 'Customer table' : 'Not found';
    const attrs = $('customer-attributes');
    attrs.replaceChildren(
      ...Object.entries(customer.attributes ?? {}).map(([k, v]) => h('div', { class: 'attr' }, h('dt', {}, k), h('dd', {}, v))),
    );
  }
  tick();
}

function tick(): void {
  $('clock').textContent = clock();
  void renderMedia();
  if (agent) $('time-in-state').textContent = duration(since(agent.stateSince));
  if (call && call.status !== 'ended') {
    const from = call.connectedAt ?? call.offeredAt ?? call.arrivedAt;
    $('call-duration').textContent = duration(since(from));
  }
}

function onAgent(next: Agent): void {
  const previousCall = agent?.callId;
  agent = next;
  const shown = call?.id;
  if (shown && !next.callId && (shown === previousCall || call?.agentId === next.id)) {
    // The call left this agent (rejected, ring-no-answer, transferred): clear the panel.
    void refreshCall(shown);
  }
  renderAgent();
  renderCall();
}

async function refreshCall(callId: string): Promise<void> {
  try {
    const latest = await api<Call>(`/api/v1/calls/${encodeURIComponent(callId)}`);
    if (call?.id === callId || latest.status === 'ended') onCall(latest);
  } catch {
    if (call?.id === callId) {
      call = null;
      renderCall();
    }
  }
}

function onCall(next: Call, offered = false): void {
  if (finished.has(next.id)) return;
  if (next.status === 'ended') {
    finished.add(next.id);
    digitsByCall.delete(next.id);
  }
  const mine = !!agent && (next.agentId === agent.id || next.callerAgentId === agent.id);
  if (next.status === 'ended' || (agent && !mine && next.agentId !== null)) {
    if (call?.id === next.id) {
      if (next.status === 'ended') {
        endedCalls.set(next.id, next);
        void loadHistory();
      }
      call = null;
    }
  } else if (!call || call.id === next.id || offered || mine) {
    call = next;
    if (offered) {
      const who = next.customer?.name ?? next.callerName ?? next.from ?? 'Unknown caller';
      notify(next.direction === 'internal' ? 'Internal call' : 'Incoming call', `${who} ${next.from ?? ''}`);
    }
  }
  renderCall();
}

/** Digits the caller keyed (RFC 4733 or INFO, seen by the edge): an account number, a menu choice. Kept per call. */
const digitsByCall = new Map<string, string>();

function onDigit(digit: CallDigit): void {
  if (!digit.fromCustomer) return;
  digitsByCall.set(digit.callId, (digitsByCall.get(digit.callId) ?? '') + digit.digit);
  if (call?.id === digit.callId) renderCall();
}

function onQueue(queue: Queue): void {
  queues.set(queue.id, queue);
  renderQueues();
}

function renderQueues(): void {
  const list = $('queue-list');
  list.replaceChildren(
    ...[...queues.values()].map((q) =>
      h(
        'li',
        { 'data-queue-id': q.id },
        h('span', { class: 'queue-name' }, q.name ?? q.id),
        h('span', { class: `badge ${q.stats.waiting > 0 ? 'badge-warn' : ''}` }, `${q.stats.waiting} waiting`),
        h('span', { class: 'muted' }, q.stats.waiting > 0 ? `longest ${duration(q.stats.longestWaitSeconds)}` : ''),
      ),
    ),
  );
  $('queue-empty').hidden = queues.size > 0;
}

async function loadHistory(): Promise<void> {
  if (!agent) return;
  let records: CallRecord[] = [];
  try {
    const page = await api<{ items: CallRecord[] }>(`/api/v1/calls?agentId=${encodeURIComponent(agent.id)}&pageSize=20`);
    records = page.items;
  } catch (e) {
    if (!(e instanceof ApiError && e.problem.status === 503)) console.warn('history', e);
  }
  // Calls that just ended may not have reached the reporting store yet (or only partly): what this desktop saw wins.
  const recent: CallRecord[] = [...endedCalls.values()].map((c) => ({
    id: c.id,
    direction: c.direction ?? 'inbound',
    disposition: c.disposition,
    from: c.from,
    to: c.to,
    callerName: c.callerName,
    customerName: c.customer?.name ?? null,
    agentId: c.agentId,
    arrivedAt: c.arrivedAt,
    connectedAt: c.connectedAt,
    endedAt: c.endedAt,
    talkSeconds: c.connectedAt && c.endedAt ? (Date.parse(c.endedAt) - Date.parse(c.connectedAt)) / 1000 : null,
  }));
  const seen = new Set(recent.map((r) => r.id));
  records = records.filter((r) => !seen.has(r.id));
  const all = [...recent, ...records].sort((a, b) => Date.parse(b.arrivedAt ?? '0') - Date.parse(a.arrivedAt ?? '0')).slice(0, 20);
  $('history-empty').hidden = all.length > 0;
  $('history-list').replaceChildren(
    ...all.map((r) => {
      // An internal call this agent placed shows the colleague it dialled; one it received, the colleague who called.
      const placed = r.direction === 'internal' && r.agentId !== agent?.id;
      const other = r.direction === 'outbound' || placed ? r.to : r.from;
      return h(
        'li',
        { 'data-call-id': r.id, class: `history-item disp-${r.disposition}` },
        h('span', { class: `dir dir-${r.direction}`, title: r.direction }, r.direction === 'internal' ? '↔' : r.direction === 'outbound' ? '↗' : '↙'),
        h(
          'span',
          { class: 'who' },
          h('strong', {}, (placed ? null : (r.customerName ?? r.callerName)) ?? other ?? 'Unknown'),
          h('small', {}, other ?? ''),
        ),
        h('span', { class: 'when' }, timeOfDay(r.arrivedAt), h('small', {}, r.talkSeconds != null ? duration(r.talkSeconds) : r.disposition === 'none' ? '' : r.disposition)),
      );
    }),
  );
}

function dialHistory(): string[] {
  try {
    return JSON.parse(localStorage.getItem(DIAL_HISTORY_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

function renderDialHistory(): void {
  $('dial-history').replaceChildren(
    ...dialHistory().map((n) => {
      const b = h('button', { type: 'button', class: 'link', 'data-number': n }, n);
      b.addEventListener('click', () => (($('dial-input') as HTMLInputElement).value = n));
      return h('li', {}, b);
    }),
  );
}

async function dial(): Promise<void> {
  const input = $('dial-input') as HTMLInputElement;
  const number = input.value.replace(/[^0-9*#+]/g, '');
  if (!number) return;
  // The ACD places the call (a colleague's extension: an internal call; a number: through the trunk) and rings this
  // agent's own phone first. A browser phone answers that ring by itself: the agent asked for the call. The result
  // names the call (a refusal, such as a busy colleague, is shown as it comes).
  const placed = await commandResult('Dial', number);
  if (placed?.ok) {
    if (placed.message) void phone.answer(placed.message, true);
    const history = [number, ...dialHistory().filter((n) => n !== number)].slice(0, 10);
    localStorage.setItem(DIAL_HISTORY_KEY, JSON.stringify(history));
    renderDialHistory();
    input.value = '';
  }
}

function wireControls(reasons: string[]): void {
  const select = $('reason-select') as HTMLSelectElement;
  select.replaceChildren(...reasons.map((r) => h('option', { value: r }, r)));
  $('btn-ready').onclick = () => void command('Ready');
  $('btn-not-ready').onclick = () => void command('NotReady', select.value);
  $('btn-acd-login').onclick = () => void command('Login');
  $('btn-answer').onclick = async () => {
    if (!call) return;
    const offered = call;
    requestNotificationPermission();
    // A SIP call is answered by the phone's 200 OK (the edge tells the ACD); answering through the ACD too would race it.
    if (await phone.answer(offered.id, offered.sipLegs === true)) return;
    if (offered.sipLegs && phone.kind === 'sip') {
      toast('The phone did not receive this call.', 'error');
      return;
    }
    await command('Answer', offered.id);
  };
  $('btn-reject').onclick = () => call && void command('Reject', call.id);
  $('btn-hold').onclick = async () => {
    if (!call) return;
    const held = call.status !== 'held';
    await phone.hold(call.id, held);
    await command(held ? 'Hold' : 'Unhold', call.id);
  };
  $('btn-hangup').onclick = async () => {
    if (!call) return;
    const id = call.id;
    await command('Hangup', id);
    await phone.hangup(id);
  };
  $('btn-park').onclick = async () => {
    if (!call) return;
    try {
      const parked = await api<Call>(`/api/v1/calls/${encodeURIComponent(call.id)}/park`, { method: 'POST' });
      toast(`Parked in slot ${parked.parkedSlot ?? '?'}: dial *8${parked.parkedSlot ?? ''} to retrieve it.`);
    } catch (e) {
      toast(e instanceof Error ? e.message : 'Could not park the call', 'error');
    }
  };
  $('btn-transfer').onclick = () => {
    $('transfer-box').hidden = !$('transfer-box').hidden;
    ($('transfer-target') as HTMLInputElement).focus();
  };
  $('transfer-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const target = ($('transfer-target') as HTMLInputElement).value.trim();
    const mode = ($('transfer-mode') as HTMLSelectElement).value;
    if (call && target && (await command('Transfer', call.id, target, mode))) $('transfer-box').hidden = true;
  });
  for (const key of document.querySelectorAll<HTMLButtonElement>('.dialpad-key')) {
    key.addEventListener('click', () => {
      const digit = key.dataset.key ?? '';
      if (call && (call.status === 'connected' || call.status === 'held')) {
        void phone.sendDtmf(call.id, digit);
        void command('SendDtmf', call.id, digit);
      } else {
        const input = $('dial-input') as HTMLInputElement;
        input.value += digit;
      }
    });
  }
  $('dial-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void dial();
  });
  $('btn-clear').onclick = () => (($('dial-input') as HTMLInputElement).value = '');
  $('logout-button').onclick = async () => {
    if (agent && agent.status !== 'loggedOut' && !agent.callId) await command('Logout');
    await phone.stop();
    await hub.stop();
    await signOut();
    window.location.replace('/index.html');
  };
}

function setConnection(state: 'connected' | 'reconnecting' | 'offline'): void {
  const el = $('connection-status');
  el.dataset.state = state;
  el.textContent = { connected: 'Online', reconnecting: 'Reconnecting…', offline: 'Offline' }[state];
}

function setPhone(state: PhoneState): void {
  const el = $('phone-status');
  el.dataset.state = state;
  el.dataset.kind = phone.kind;
  el.textContent = { cti: 'Phone: CTI', connecting: 'Phone: connecting', registered: 'Phone: ready', unregistered: 'Phone: offline', error: 'Phone: error' }[
    state
  ];
  el.title =
    phone instanceof CtiSoftPhone && phone.reason ? `CTI mode: ${phone.reason}` : 'lastError' in phone && typeof phone.lastError === 'string' ? phone.lastError : '';
}

function setPhoneCall(callId: string, state: PhoneCallState): void {
  phoneCall = state === 'ended' && phoneCall?.callId !== callId ? phoneCall : { callId, state };
  const el = $('phone-call');
  el.hidden = !phoneCall || phoneCall.state === 'ended';
  el.dataset.state = phoneCall?.state ?? 'idle';
  el.dataset.callId = phoneCall?.callId ?? '';
  if (phoneCall?.state !== 'established') {
    el.dataset.packetsReceived = '0';
    el.textContent = { ringing: 'Audio: ringing', answering: 'Audio: connecting', established: 'Audio', ended: 'Audio: ended' }[phoneCall?.state ?? 'ended'];
  }
}

/** Shows that audio really flows (packets received), from WebRTC's own statistics. */
async function renderMedia(): Promise<void> {
  if (phoneCall?.state !== 'established') return;
  const { callId } = phoneCall;
  const stats = await phone.stats(callId);
  if (!stats || phoneCall?.callId !== callId) return;
  const el = $('phone-call');
  el.dataset.packetsReceived = String(stats.packetsReceived);
  el.dataset.packetsSent = String(stats.packetsSent);
  el.dataset.lostReceived = String(stats.packetsLostReceived);
  el.dataset.lostSent = stats.packetsLostSent === null ? '' : String(stats.packetsLostSent);
  // Loss both ways: what this browser missed, and what the far end (the edge's RTCP reports) says it missed of ours.
  const inbound = `in ${stats.packetsReceived} (${lossPercent(stats.packetsLostReceived, stats.packetsReceived)} lost)`;
  const outbound =
    stats.packetsLostSent === null
      ? `out ${stats.packetsSent}`
      : `out ${stats.packetsSent} (${lossPercent(stats.packetsLostSent, Math.max(0, stats.packetsSent - stats.packetsLostSent))} lost)`;
  el.textContent = `Audio: ${inbound} · ${outbound}`;
  el.title = stats.path ?? '';
}

async function loadSnapshot(): Promise<void> {
  const snapshot = await hub.invoke<DesktopSnapshot>('GetSnapshot');
  queues.clear();
  snapshot.queues.forEach((q) => queues.set(q.id, q));
  call = snapshot.call && snapshot.call.status !== 'ended' ? snapshot.call : null;
  onAgent(snapshot.agent);
  renderQueues();
  return void snapshot;
}

async function main(): Promise<void> {
  const session = await requireSession();
  if (!session.agentId) {
    window.location.replace('/wallboard.html');
    return;
  }
  document.body.classList.add('ready');
  hub = new HubConnectionBuilder()
    .withUrl('/hubs/agent', { accessTokenFactory: () => accessToken() })
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 30000])
    .configureLogging(LogLevel.Warning)
    .build();
  hub.on('AgentState', (a: Agent) => onAgent(a));
  hub.on('CallOffered', (c: Call) => onCall(c, true));
  hub.on('CallState', (c: Call) => onCall(c));
  hub.on('QueueState', (q: Queue) => onQueue(q));
  hub.on('CallDigit', (d: CallDigit) => onDigit(d));
  hub.onreconnecting(() => setConnection('reconnecting'));
  hub.onreconnected(() => {
    setConnection('connected');
    void loadSnapshot();
  });
  hub.onclose(() => setConnection('offline'));
  await hub.start();
  setConnection('connected');
  const snapshot = await hub.invoke<DesktopSnapshot>('GetSnapshot');
  wireControls(snapshot.reasonCodes);
  await loadSnapshot();
  if (agent?.status === 'loggedOut') await command('Login');
  phone = await loadSoftPhone();
  phone.onStateChange(setPhone);
  phone.onCallChange(setPhoneCall);
  setPhone(phone.state);
  window.addEventListener('pagehide', () => void phone.stop());
  await phone.start();
  renderDialHistory();
  void loadHistory();
  window.setInterval(tick, 1000);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && hub.state === HubConnectionState.Disconnected) void hub.start().then(loadSnapshot);
  });
}

void main();
