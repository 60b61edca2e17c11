// Thresholds per queue: a tile turns amber or red, and each rise (to amber, to red) raises an alert for the
// supervisor: a banner, a line in the alert list with its time, and a beep when sound is on.
import { api } from '../api';
import { Queue } from '../models';
import { $, duration, h } from '../ui';

export interface Thresholds {
  queueId: string;
  longestWaitAmberSeconds: number | null;
  longestWaitRedSeconds: number | null;
  slaAmberPercent: number | null;
  slaRedPercent: number | null;
  waitingAmber: number | null;
  waitingRed: number | null;
}

export type Level = 'ok' | 'amber' | 'red';
const RANK: Record<Level, number> = { ok: 0, amber: 1, red: 2 };

const thresholds = new Map<string, Thresholds>();
const levels = new Map<string, Level>();
let audio: AudioContext | null = null;

export async function loadThresholds(): Promise<void> {
  thresholds.clear();
  for (const t of await api<Thresholds[]>('/api/v1/wallboard/thresholds')) thresholds.set(t.queueId, t);
}

export function thresholdsOf(queueId: string): Thresholds | undefined {
  return thresholds.get(queueId);
}

export function setThresholds(t: Thresholds): void {
  thresholds.set(t.queueId, t);
}

/** The level of a queue now, with the reasons (e.g. "longest wait 01:05 ≥ 01:00"). */
export function levelOf(q: Queue, longestWait: number): { level: Level; reasons: string[] } {
  const t = thresholds.get(q.id);
  if (!t) return { level: 'ok', reasons: [] };
  const reasons: string[] = [];
  let level: Level = 'ok';
  const raise = (to: Level, why: string) => {
    if (RANK[to] > RANK[level]) level = to;
    reasons.push(why);
  };
  const check = (value: number | null, amber: number | null, red: number | null, above: boolean, name: string, show: (n: number) => string) => {
    if (value === null) return;
    const hit = (limit: number | null) => limit !== null && (above ? value >= limit : value <= limit);
    if (hit(red)) raise('red', `${name} ${show(value)} ${above ? '≥' : '≤'} ${show(red!)}`);
    else if (hit(amber)) raise('amber', `${name} ${show(value)} ${above ? '≥' : '≤'} ${show(amber!)}`);
  };
  check(longestWait, t.longestWaitAmberSeconds, t.longestWaitRedSeconds, true, 'longest wait', duration);
  check(q.stats.serviceLevelPercent, t.slaAmberPercent, t.slaRedPercent, false, 'SLA', (n) => `${Math.round(n)}%`);
  check(q.stats.waiting, t.waitingAmber, t.waitingRed, true, 'waiting', String);
  return { level, reasons };
}

/** Records the queue's level; a rise raises an alert. Returns the level. */
export function track(q: Queue, longestWait: number): Level {
  const { level, reasons } = levelOf(q, longestWait);
  const before = levels.get(q.id) ?? 'ok';
  levels.set(q.id, level);
  if (RANK[level] > RANK[before]) raise(q, level, reasons);
  return level;
}

function raise(q: Queue, level: Level, reasons: string[]): void {
  const at = new Date();
  const item = h(
    'li',
    { class: `alert-item ${level}`, 'data-queue-id': q.id, 'data-level': level },
    h('time', {}, at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })),
    h('strong', {}, ` ${q.name ?? q.id}`),
    ` ${level === 'red' ? 'RED' : 'amber'}: ${reasons.join(', ')}`,
  );
  const list = $('alerts-list');
  list.prepend(item);
  while (list.children.length > 50) list.lastElementChild?.remove();
  $('alerts-empty').hidden = true;
  const banner = $('alert-banner');
  banner.textContent = `${q.name ?? q.id}: ${reasons.join(', ')}`;
  banner.dataset.level = level;
  banner.hidden = false;
  if (($('alert-sound') as HTMLInputElement).checked) beep(level);
}

function beep(level: Level): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = level === 'red' ? 880 : 660;
    gain.gain.value = 0.1;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (level === 'red' ? 0.6 : 0.25));
  } catch {
    /* no audio device: the visual alert stands */
  }
}
