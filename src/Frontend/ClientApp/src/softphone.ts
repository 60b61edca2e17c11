// The desktop's phone. The desktop talks only to this interface: a SIP phone in the browser (JsSIP over the edge's
// /sip WebSocket, WebRTC audio; see sipphone.ts) when the server says so, else "CTI mode" (no media in the browser:
// the ACD and a desk phone or PBX integration carry the call).
import { api } from './api';
import type { MediaStats } from './media';

export type PhoneState = 'cti' | 'connecting' | 'registered' | 'unregistered' | 'error';

/** A call as the phone sees it: its INVITE rings, the agent answers, media flows, it ends. */
export type PhoneCallState = 'ringing' | 'answering' | 'established' | 'ended';

/** GET /api/v1/me/softphone: the signed-in agent's own phone settings. */
export interface SoftPhoneSettings {
  mode: 'sip' | 'cti';
  reason: string | null;
  webSocketPath: string | null;
  uri: string | null;
  authorizationUser: string | null;
  realm: string | null;
  /** MD5 HA1 for the realm, in place of the SIP password. */
  ha1: string | null;
  displayName: string | null;
  /** STUN/TURN for the browser phone (TURN credentials minted for this agent); empty when none are configured. */
  iceServers: RTCIceServer[];
}

export interface SoftPhone {
  readonly kind: 'cti' | 'sip';
  readonly state: PhoneState;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The agent pressed Answer. True when the phone answered the call's INVITE itself: the SIP edge then tells the ACD
   * (so the desktop must not answer through the ACD as well, or the two answers race). False when the phone has no
   * INVITE for the call (CTI calls): the desktop answers through the ACD.
   */
  answer(callId: string, expectInvite: boolean): Promise<boolean>;
  /** After the ACD's hang-up: ends the phone's session if the edge's BYE has not already ended it. */
  hangup(callId: string): Promise<void>;
  /** Hold and DTMF go through the ACD, whose edge re-INVITEs / sends INFO on both legs: one path, no glare. */
  hold(callId: string, held: boolean): Promise<void>;
  sendDtmf(callId: string, digits: string): Promise<void>;
  /** WebRTC figures of the call's audio, null without a session. */
  stats(callId: string): Promise<MediaStats | null>;
  /** The call id of the session the phone holds right now, if any. */
  activeCallId(): string | null;
  onStateChange(listener: (state: PhoneState) => void): void;
  onCallChange(listener: (callId: string, state: PhoneCallState) => void): void;
}

/** No browser media: call control goes through the ACD only. */
export class CtiSoftPhone implements SoftPhone {
  readonly kind = 'cti';
  readonly state: PhoneState = 'cti';
  private readonly listeners: Array<(s: PhoneState) => void> = [];

  constructor(readonly reason: string | null = null) {}

  async start(): Promise<void> {
    this.listeners.forEach((l) => l(this.state));
  }

  async stop(): Promise<void> {}

  async answer(): Promise<boolean> {
    return false;
  }

  async hangup(): Promise<void> {}

  async hold(): Promise<void> {}

  async sendDtmf(): Promise<void> {}

  async stats(): Promise<MediaStats | null> {
    return null;
  }

  activeCallId(): string | null {
    return null;
  }

  onStateChange(listener: (state: PhoneState) => void): void {
    this.listeners.push(listener);
  }

  onCallChange(): void {}
}

export function webSocketUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path.startsWith('/') ? path : `/${path}`}`;
}

/** The phone the server configured for this agent; CTI mode whenever the SIP phone cannot be had. */
export async function loadSoftPhone(): Promise<SoftPhone> {
  let settings: SoftPhoneSettings;
  try {
    settings = await api<SoftPhoneSettings>('/api/v1/me/softphone');
  } catch (e) {
    console.warn('softphone settings unavailable, using CTI mode', e);
    return new CtiSoftPhone('settings unavailable');
  }
  if (settings.mode !== 'sip' || !settings.webSocketPath || !settings.uri) return new CtiSoftPhone(settings.reason);
  try {
    // Loaded only for SIP mode: CTI desktops never download JsSIP.
    const { SipSoftPhone } = await import('./sipphone');
    return new SipSoftPhone(settings, webSocketUrl(settings.webSocketPath));
  } catch (e) {
    console.warn('SIP phone unavailable, using CTI mode', e);
    return new CtiSoftPhone('SIP phone failed to load');
  }
}
