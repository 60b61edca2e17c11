// Click-to-call web widget (and the caller side of the browser tests): calls a queue's number over the SIP edge's
// WebSocket with WebRTC audio, without an account (the edge admits such calls to queue numbers only when
// Sip:AllowWebCallers is on). ?number= presets the line, ?name= and ?from= the caller; ?user= and ?password= sign the
// INVITE with digest instead, for edges that do not admit anonymous web callers.
import { UA, WebSocketInterface } from 'jssip';
import type { IncomingDTMFEvent, OutgoingDTMFEvent, RTCSession } from 'jssip/lib/RTCSession';
import { mediaStats, playRemoteAudio } from './media';
import { webSocketUrl } from './softphone';
import { $ } from './ui';

type CallState = 'connecting' | 'idle' | 'calling' | 'ringing' | 'established' | 'held' | 'ended' | 'failed' | 'offline';

const params = new URLSearchParams(location.search);
let ua: UA;
let session: RTCSession | null = null;
let stopAudio: (() => void) | null = null;

function setState(state: CallState, detail = ''): void {
  const el = $('call-state');
  el.dataset.state = state;
  el.textContent = {
    connecting: 'Connecting…',
    idle: 'Ready to call',
    calling: 'Calling…',
    ringing: 'Waiting for an agent…',
    established: 'Connected',
    held: 'On hold',
    ended: 'Call ended',
    failed: 'Call failed',
    offline: 'Offline',
  }[state];
  $('call-detail').textContent = detail;
  const inCall = state === 'calling' || state === 'ringing' || state === 'established' || state === 'held';
  ($('btn-call') as HTMLButtonElement).hidden = inCall;
  ($('btn-call') as HTMLButtonElement).disabled = !ua?.isConnected() || inCall;
  $('btn-hangup').hidden = !inCall;
  document.body.dataset.callState = state;
}

/** A SIP URI user part: digits, '+', '*', '#' for numbers; letters too for the caller's own id. */
function userPart(value: string, fallback: string): string {
  const cleaned = value.trim().replace(/[^0-9A-Za-z+*#._-]/g, '');
  return cleaned || fallback;
}

async function renderMedia(): Promise<void> {
  const el = $('media-stats');
  const stats = session && session.isEstablished() ? await mediaStats(session.connection) : null;
  if (!stats) return;
  el.dataset.packetsReceived = String(stats.packetsReceived);
  el.dataset.packetsSent = String(stats.packetsSent);
  el.textContent = `Audio: ${stats.packetsReceived} packets in, ${stats.packetsSent} out${stats.path ? ` (${stats.path})` : ''}`;
}

function call(): void {
  if (session && !session.isEnded()) return;
  const number = userPart(($('dial-number') as HTMLInputElement).value, '');
  if (!number) return;
  $('media-stats').dataset.packetsReceived = '0';
  $('media-stats').textContent = '';
  $('dtmf-received').textContent = '';
  setState('calling');
  const name = ($('caller-name') as HTMLInputElement).value.trim();
  // What the caller typed now, not at page load: the edge shows From's user and display name to the agent.
  const s = ua.call(`sip:${number}@${location.hostname}`, {
    mediaConstraints: { audio: true, video: false },
    pcConfig: { iceServers: [] },
    fromUserName: params.get('user') ?? userPart(($('caller-number') as HTMLInputElement).value, 'web-caller'),
    fromDisplayName: name || undefined,
  });
  session = s;
  s.on('peerconnection', (e) => (stopAudio = playRemoteAudio(e.peerconnection)));
  s.on('progress', () => setState('ringing'));
  s.on('confirmed', () => setState('established'));
  s.on('hold', (e) => e.originator === 'remote' && setState('held'));
  s.on('unhold', (e) => e.originator === 'remote' && setState('established'));
  // Tones the agent sends (the edge relays them as INFO): shown, e.g. for an IVR-like confirmation.
  s.on('newDTMF', (e: IncomingDTMFEvent | OutgoingDTMFEvent) => {
    if (e.originator !== 'remote') return;
    const tones = $('dtmf-received');
    tones.textContent = (tones.textContent ?? '') + e.dtmf.tone;
  });
  s.on('ended', (e) => finish('ended', e.cause));
  s.on('failed', (e) => finish('failed', e.cause));
}

function finish(state: CallState, cause: string): void {
  stopAudio?.();
  stopAudio = null;
  setState(state, cause);
}

function main(): void {
  ($('dial-number') as HTMLInputElement).value = params.get('number') ?? '';
  ($('caller-name') as HTMLInputElement).value = params.get('name') ?? '';
  ($('caller-number') as HTMLInputElement).value = params.get('from') ?? '';
  const user = params.get('user');
  ua = new UA({
    sockets: [new WebSocketInterface(webSocketUrl(params.get('ws') ?? '/sip'))],
    uri: `sip:${user ?? 'web-caller'}@${location.hostname}`,
    password: user ? (params.get('password') ?? undefined) : undefined,
    register: false,
    session_timers: false,
    user_agent: 'ACD click-to-call (JsSIP)',
  });
  ua.on('connected', () => setState(session && !session.isEnded() ? ($('call-state').dataset.state as CallState) : 'idle'));
  ua.on('disconnected', () => setState('offline', 'no connection to the call center'));
  ua.start();
  $('call-form').addEventListener('submit', (e) => {
    e.preventDefault();
    call();
  });
  $('btn-hangup').onclick = () => session?.terminate();
  window.addEventListener('pagehide', () => ua.stop());
  window.setInterval(() => void renderMedia(), 1000);
  setState('connecting');
  document.body.classList.add('ready');
}

main();
