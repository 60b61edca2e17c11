// The browser SIP phone: JsSIP registers as the agent over the SIP edge's WebSocket (digest with the HA1 the server
// hands to the agent itself), rings on the edge's INVITEs (X-Call-Id carries the ACD call id, so the desktop's Answer
// button finds the right one) and carries the audio with WebRTC. The edge anchors the media by default: this browser
// talks to the edge's media engine, which offers it WebRTC whoever is at the other end (a customer on a trunk, a desk
// phone, another browser). So the ACD's own dialling works for it too: for a call its agent placed (a colleague, a
// number) the ACD rings this phone first, and the desktop has it answer that ring at once (answer).
import { UA, WebSocketInterface } from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent } from 'jssip/lib/UA';
import { MediaStats, mediaStats, playRemoteAudio } from './media';
import type { PhoneCallState, PhoneState, SoftPhone, SoftPhoneSettings } from './softphone';

/** How long Answer waits for the INVITE when the ACD's offer overtook it. */
const INVITE_WAIT_MS = 5000;
/** How long after the ACD's hang-up the phone waits for the edge's BYE before ending its session itself. */
const BYE_WAIT_MS = 3000;

/** A version-4 UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function instanceId(user: string): string {
  const key = `acd.sipInstance.${user}`;
  try {
    const stored = localStorage.getItem(key);
    if (stored) return stored;
    const created = uuid();
    localStorage.setItem(key, created);
    return created;
  } catch {
    return uuid();
  }
}

interface Leg {
  callId: string;
  session: RTCSession;
  state: PhoneCallState;
  stopAudio?: () => void;
}

export class SipSoftPhone implements SoftPhone {
  readonly kind = 'sip';
  private ua: UA | null = null;
  private current: PhoneState = 'connecting';
  /** Why the phone is not registered, for the indicator's tooltip. */
  lastError: string | null = null;
  private readonly legs = new Map<string, Leg>();
  private readonly waiters = new Map<string, Array<(leg: Leg) => void>>();
  private readonly stateListeners: Array<(s: PhoneState) => void> = [];
  private readonly callListeners: Array<(callId: string, s: PhoneCallState) => void> = [];

  constructor(
    private readonly settings: SoftPhoneSettings,
    private readonly url: string,
  ) {}

  get state(): PhoneState {
    return this.current;
  }

  async start(): Promise<void> {
    if (this.ua) return;
    this.set('connecting');
    const s = this.settings;
    try {
      const ua = new UA({
        sockets: [new WebSocketInterface(this.url)],
        uri: s.uri!,
        authorization_user: s.authorizationUser ?? undefined,
        realm: s.realm ?? undefined,
        ha1: s.ha1 ?? undefined,
        display_name: s.displayName ?? undefined,
        // The same instance across reloads: the registrar then replaces this browser's old binding (RFC 5626)
        // instead of keeping a dead one until it expires.
        instance_id: instanceId(s.authorizationUser ?? s.uri!),
        register: true,
        register_expires: 300,
        // The edge does not refresh sessions yet; a refresh re-INVITE would only add traffic.
        session_timers: false,
        user_agent: 'ACD agent desktop (JsSIP)',
        connection_recovery_min_interval: 2,
        connection_recovery_max_interval: 30,
      });
      ua.on('connecting', () => this.set('connecting'));
      ua.on('registered', () => {
        this.lastError = null;
        this.set('registered');
      });
      ua.on('unregistered', () => this.set('unregistered'));
      ua.on('registrationFailed', (e) => {
        this.lastError = `registration failed: ${e.cause ?? 'unknown'}${e.response ? ` (${e.response.status_code} ${e.response.reason_phrase})` : ''}`;
        console.warn('SIP phone', this.lastError);
        this.set('error');
      });
      ua.on('disconnected', () => this.set('unregistered'));
      ua.on('newRTCSession', (e: RTCSessionEvent) => this.onSession(e));
      this.ua = ua;
      ua.start();
    } catch (e) {
      console.error('SIP phone', e);
      this.set('error');
    }
  }

  async stop(): Promise<void> {
    const ua = this.ua;
    this.ua = null;
    if (!ua) return;
    // stop() un-REGISTERs and ends sessions, so the ACD stops offering edge calls to a closed desktop.
    ua.stop();
  }

  async answer(callId: string, expectInvite: boolean): Promise<boolean> {
    let leg = this.legs.get(callId) ?? null;
    if (!leg && expectInvite && this.current === 'registered') leg = await this.waitForInvite(callId, INVITE_WAIT_MS);
    if (!leg || leg.session.isEnded() || leg.state !== 'ringing') return false;
    leg.state = 'answering';
    this.emit(callId, 'answering');
    leg.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: this.settings.iceServers ?? [] } });
    return true;
  }

  async hangup(callId: string): Promise<void> {
    const leg = this.legs.get(callId);
    if (!leg) return;
    const deadline = Date.now() + BYE_WAIT_MS;
    while (!leg.session.isEnded() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!leg.session.isEnded()) leg.session.terminate();
  }

  async hold(): Promise<void> {}

  async sendDtmf(): Promise<void> {}

  async stats(callId: string): Promise<MediaStats | null> {
    const leg = this.legs.get(callId);
    return leg && !leg.session.isEnded() ? mediaStats(leg.session.connection) : null;
  }

  activeCallId(): string | null {
    for (const leg of this.legs.values()) if (leg.state !== 'ended') return leg.callId;
    return null;
  }

  onStateChange(listener: (state: PhoneState) => void): void {
    this.stateListeners.push(listener);
    listener(this.current);
  }

  onCallChange(listener: (callId: string, state: PhoneCallState) => void): void {
    this.callListeners.push(listener);
  }

  private onSession(e: RTCSessionEvent): void {
    if (e.originator !== 'remote') return;
    const callId = e.request.getHeader('X-Call-Id') || e.session.id;
    const leg = this.track(callId, e.session, 'ringing');
    this.waiters.get(callId)?.forEach((w) => w(leg));
    this.waiters.delete(callId);
  }

  private track(callId: string, session: RTCSession, state: PhoneCallState): Leg {
    const leg: Leg = { callId, session, state };
    this.legs.set(callId, leg);
    session.on('peerconnection', (p) => {
      leg.stopAudio = playRemoteAudio(p.peerconnection);
    });
    session.on('confirmed', () => {
      leg.state = 'established';
      this.emit(leg.callId, 'established');
    });
    const end = () => {
      if (leg.state === 'ended') return;
      leg.state = 'ended';
      leg.stopAudio?.();
      if (this.legs.get(leg.callId) === leg) this.legs.delete(leg.callId);
      this.emit(leg.callId, 'ended');
    };
    session.on('ended', end);
    session.on('failed', end);
    this.emit(callId, state);
    return leg;
  }

  private waitForInvite(callId: string, timeoutMs: number): Promise<Leg | null> {
    return new Promise((resolve) => {
      const timer = window.setTimeout(() => resolve(null), timeoutMs);
      const list = this.waiters.get(callId) ?? [];
      list.push((leg) => {
        window.clearTimeout(timer);
        resolve(leg);
      });
      this.waiters.set(callId, list);
    });
  }

  private set(state: PhoneState): void {
    if (this.current === state) return;
    this.current = state;
    this.stateListeners.forEach((l) => l(state));
  }

  private emit(callId: string, state: PhoneCallState): void {
    this.callListeners.forEach((l) => l(callId, state));
  }
}
