// The report's filters live in the URL (?from=&to=&interval=&groupBy=&queueId=&teamId=&agentId=&day=&call=), so a
// report can be bookmarked and shared; the API gets the same values plus the viewer's UTC offset.

export interface ReportFilter {
  from: Date;
  to: Date;
  interval: string;
  groupBy: string;
  queueId: string;
  teamId: string;
  agentId: string;
  /** The local day (YYYY-MM-DD) of the agents' timelines. */
  day: string;
  /** The call whose detail is open. */
  call: string;
}

export const INTERVALS: Array<[string, string]> = [
  ['15m', '15 minutes'],
  ['30m', '30 minutes'],
  ['1h', '1 hour'],
  ['day', 'Day'],
  ['week', 'Week'],
];

export const GROUPINGS: Array<[string, string]> = [
  ['total', 'Total'],
  ['queue', 'Per queue'],
  ['team', 'Per team'],
  ['agent', 'Per agent'],
];

function localDay(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

function parseDate(text: string | null, fallback: Date): Date {
  const t = text ? Date.parse(text) : NaN;
  return Number.isNaN(t) ? fallback : new Date(t);
}

export function readFilter(search = window.location.search): ReportFilter {
  const p = new URLSearchParams(search);
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const from = parseDate(p.get('from'), midnight);
  const to = parseDate(p.get('to'), new Date(from.getTime() + 86_400_000));
  return {
    from,
    to,
    interval: p.get('interval') ?? '1h',
    groupBy: p.get('groupBy') ?? 'total',
    queueId: p.get('queueId') ?? '',
    teamId: p.get('teamId') ?? '',
    agentId: p.get('agentId') ?? '',
    day: p.get('day') ?? localDay(from),
    call: p.get('call') ?? '',
  };
}

export function writeFilter(f: ReportFilter): void {
  const p = new URLSearchParams();
  p.set('from', f.from.toISOString());
  p.set('to', f.to.toISOString());
  p.set('interval', f.interval);
  p.set('groupBy', f.groupBy);
  for (const key of ['queueId', 'teamId', 'agentId', 'day', 'call'] as const) if (f[key]) p.set(key, f[key]);
  window.history.replaceState(null, '', `${window.location.pathname}?${p.toString()}`);
}

/** The API's query string for the interval report (and, with extra, for its exports). */
export function intervalQuery(f: ReportFilter, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams({
    from: f.from.toISOString(),
    to: f.to.toISOString(),
    interval: f.interval,
    groupBy: f.groupBy,
    tz: String(-new Date(f.from).getTimezoneOffset()),
    ...extra,
  });
  for (const key of ['queueId', 'teamId', 'agentId'] as const) if (f[key]) p.set(key, f[key]);
  return p.toString();
}

/** [start, end) of the timeline's local day. */
export function dayRange(day: string): [Date, Date] {
  const [y, m, d] = day.split('-').map(Number);
  const start = new Date(y, m - 1, d);
  return [start, new Date(y, m - 1, d + 1)];
}

/** A datetime-local input's value for a date (local time, minutes). */
export function toLocalInput(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${localDay(d)}T${two(d.getHours())}:${two(d.getMinutes())}`;
}
