// The seam for the browser SIP phone (issue 5). The desktop talks only to this interface; today's implementation is
// "CTI mode": no media in the browser, the ACD (and a PBX integration) carry the call. The SIP edge work replaces
// createSoftPhone() with a JsSIP/SIP.js phone that registers over the /sip WebSocket as the agent.

export type PhoneState = 'cti' | 'connecting' | 'registered' | 'unregistered' | 'error';

export interface SoftPhoneConfig {
  agentId: string;
  extension: string | null;
  /** wss://host/sip, for the SIP edge. */
  webSocketUrl: string;
}

export interface SoftPhone {
  readonly kind: string;
  readonly state: PhoneState;
  start(config: SoftPhoneConfig): Promise<void>;
  stop(): Promise<void>;
  /** Called before the desktop tells the ACD to answer; a SIP phone accepts its ringing INVITE here. */
  answer(callId: string): Promise<void>;
  hangup(callId: string): Promise<void>;
  hold(callId: string, held: boolean): Promise<void>;
  sendDtmf(callId: string, digits: string): Promise<void>;
  onStateChange(listener: (state: PhoneState) => void): void;
}

/** No browser media: call control goes through the ACD only. */
export class CtiSoftPhone implements SoftPhone {
  readonly kind = 'cti';
  private current: PhoneState = 'cti';
  private readonly listeners: Array<(s: PhoneState) => void> = [];

  get state(): PhoneState {
    return this.current;
  }

  async start(): Promise<void> {
    this.listeners.forEach((l) => l(this.current));
  }

  async stop(): Promise<void> {}

  async answer(): Promise<void> {}

  async hangup(): Promise<void> {}

  async hold(): Promise<void> {}

  async sendDtmf(): Promise<void> {}

  onStateChange(listener: (state: PhoneState) => void): void {
    this.listeners.push(listener);
  }
}

export function createSoftPhone(): SoftPhone {
  return new CtiSoftPhone();
}
