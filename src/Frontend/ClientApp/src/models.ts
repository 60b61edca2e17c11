export interface Customer {
  id: string | null;
  name: string | null;
  phoneNumber: string | null;
  email: string | null;
  company: string | null;
  notes: string | null;
  source: string;
  attributes: Record<string, string>;
}

export interface Agent {
  id: string;
  configured: boolean;
  name: string | null;
  extension: string | null;
  status: string;
  reasonCode: string | null;
  stateSince: string;
  timeInStateSeconds: number;
  callId: string | null;
  onHold: boolean;
  pendingReasonCode: string | null;
  pendingLogout: boolean;
  wrapUpEndsAt: string | null;
  callsHandled: number;
  queues: string[];
  roles: string[];
  phoneRegistered: boolean;
  teamId?: string | null;
}

export interface Call {
  id: string;
  status: string;
  direction: string | null;
  from: string | null;
  to: string | null;
  callerName: string | null;
  queueId: string | null;
  agentId: string | null;
  disposition: string;
  arrivedAt: string | null;
  offeredAt: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  heldSince: string | null;
  totalHoldSeconds: number;
  endReason: string | null;
  customer: Customer | null;
  /** A SIP edge carries the call: a browser phone gets its INVITE. */
  sipLegs?: boolean;
  parkedSlot?: number | null;
  /** An internal call: the agent who placed it (agentId is the colleague it called). */
  callerAgentId?: string | null;
  /** What carries the call: 'sip' (the SIP edge), '3cx' (a 3CX PBX: no hold, park, DTMF or consultation), null (CTI). */
  carrier?: string | null;
}

export interface QueueStats {
  queueId: string;
  waiting: number;
  longestWaitSeconds: number;
  offered: number;
  answered: number;
  abandoned: number;
  overflowed: number;
  serviceLevelPercent: number | null;
  averageSpeedOfAnswerSeconds: number;
  readyAgents: number;
  loggedInAgents: number;
  at: string;
}

export interface Queue {
  id: string;
  name: string | null;
  numbers: string[];
  slaSeconds: number;
  stats: QueueStats;
  waitingCalls: Array<{ callId: string; priority: number; joinedAt: string; from: string | null }>;
}

export interface CommandResult {
  ok: boolean;
  error: string | null;
  message: string | null;
}

export interface CallRecord {
  id: string;
  direction: string;
  disposition: string;
  from: string | null;
  to: string | null;
  callerName: string | null;
  customerName: string | null;
  agentId?: string | null;
  arrivedAt: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  talkSeconds: number | null;
}

/** A digit keyed on a call (the CallDigit push): by the customer, or by the agent's phone. */
export interface CallDigit {
  callId: string;
  digit: string;
  fromCustomer: boolean;
}
