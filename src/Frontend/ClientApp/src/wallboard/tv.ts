// TV mode: full screen, large type, one queue at a time rotating every few seconds (?tv=1 starts in it, for a screen
// on the wall; ?rotate=<seconds> sets the pace).
import { Queue } from '../models';
import { $, duration } from '../ui';
import { Level } from './alerts';

let timer: number | undefined;
let index = 0;

export function isTv(): boolean {
  return document.body.classList.contains('tv');
}

export function setTv(on: boolean, queues: () => Queue[], levelOf: (q: Queue) => { level: Level; longest: number }): void {
  document.body.classList.toggle('tv', on);
  $('tv-panel').hidden = !on;
  window.clearInterval(timer);
  if (on) {
    document.documentElement.requestFullscreen?.().catch(() => undefined);
    const seconds = Number(new URLSearchParams(window.location.search).get('rotate')) || 8;
    timer = window.setInterval(() => {
      index++;
      renderTv(queues(), levelOf);
    }, seconds * 1000);
    renderTv(queues(), levelOf);
  } else if (document.fullscreenElement) {
    void document.exitFullscreen().catch(() => undefined);
  }
}

export function renderTv(queues: Queue[], levelOf: (q: Queue) => { level: Level; longest: number }): void {
  if (!isTv()) return;
  const panel = $('tv-panel');
  if (queues.length === 0) {
    panel.dataset.queueId = '';
    $('tv-name').textContent = 'No queues';
    return;
  }
  const q = queues[index % queues.length];
  const { level, longest } = levelOf(q);
  panel.dataset.queueId = q.id;
  panel.dataset.level = level;
  $('tv-name').textContent = q.name ?? q.id;
  $('tv-waiting').textContent = String(q.stats.waiting);
  $('tv-longest').textContent = duration(longest);
  $('tv-sla').textContent = q.stats.serviceLevelPercent == null ? '–' : `${Math.round(q.stats.serviceLevelPercent)}%`;
  $('tv-ready').textContent = `${q.stats.readyAgents}/${q.stats.loggedInAgents}`;
  $('tv-position').textContent = `${(index % queues.length) + 1} / ${queues.length}`;
}
