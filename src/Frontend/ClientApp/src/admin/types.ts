// The API's views as the admin console reads them (src/Frontend/Apis/Views.cs).
export interface AgentView {
  id: string;
  name: string | null;
  extension: string | null;
  threeCxExtension: string | null;
  status: string;
  reasonCode: string | null;
  skills: Record<string, number>;
  queues: string[];
  roles: string[];
  phoneRegistered: boolean;
  teamId: string | null;
}

export interface QueueView {
  id: string;
  name: string | null;
  numbers: string[];
  strategy: string;
  requiredSkills: Record<string, number>;
  slaSeconds: number;
  maxWaitSeconds: number;
  overflowQueueId: string | null;
  wrapUpSeconds: number;
  ringTimeoutSeconds: number;
  statsWindowMinutes: number;
  holdMusic: string | null;
  announceSeconds: number;
  language: string;
}

export interface CustomerRecord {
  id: string;
  name: string;
  phoneNumbers: string[];
  email: string | null;
  company: string | null;
  notes: string | null;
  attributes: Record<string, string>;
  updatedAt: string;
}

export interface PagedResult<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export interface ReasonCodes {
  codes: string[];
  system: string[];
}

export interface Sounds {
  music: string[];
  languages: string[];
}

/** What every section gets: whether the user may change things, and a way to tell the others that data changed. */
export interface SectionContext {
  canEdit: boolean;
  queues(): Promise<QueueView[]>;
  teams(): Promise<TeamView[]>;
  changed(): void;
}

export const ROLES = ['agent', 'supervisor', 'admin'];
export const STRATEGIES: Array<[string, string]> = [
  ['longestIdle', 'Longest idle'],
  ['roundRobin', 'Round robin'],
  ['fewestCalls', 'Fewest calls'],
];

export interface TeamView {
  id: string;
  name: string;
  queues: string[];
  agents: number;
}

export interface AvailabilityAgent {
  id: string;
  name: string | null;
  status: string;
  reasonCode: string | null;
  stateSince: string;
  timeInStateSeconds: number;
  callId: string | null;
}

export interface TeamAvailability {
  id: string | null;
  name: string;
  ready: number;
  onCall: number;
  wrapUp: number;
  notReady: number;
  loggedOut: number;
  agents: AvailabilityAgent[];
}

export interface UserView {
  username: string;
  agentId: string | null;
  roles: string[];
  disabled: boolean;
  createdAt: string;
  scopeTeams: string[] | null;
  scopeQueues: string[] | null;
}
