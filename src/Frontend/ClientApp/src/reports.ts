// Reports: interval figures with charts, agents' state timelines and call detail. Every filter is in the URL.
import { api, requireSession, signOut } from './api';
import { AgentView, QueueView, TeamView } from './admin/types';
import { loadCallDetail, loadCalls } from './reports/calls';
import { loadIntervals } from './reports/intervals';
import { GROUPINGS, INTERVALS, readFilter, ReportFilter, toLocalInput, writeFilter } from './reports/params';
import { loadTimelines } from './reports/timelines';
import { $, h, toast } from './ui';

let filter: ReportFilter = readFilter();

function options(el: HTMLSelectElement, items: Array<[string, string]>, value: string): void {
  el.replaceChildren(...items.map(([v, l]) => h('option', { value: v }, l)));
  el.value = value;
}

async function fillFilters(): Promise<void> {
  // A scoped supervisor may not list what it cannot see: the lists are whatever the API gives.
  const [queues, teams, agents] = await Promise.all([
    api<QueueView[]>('/api/v1/queues').catch(() => [] as QueueView[]),
    api<TeamView[]>('/api/v1/teams').catch(() => [] as TeamView[]),
    api<AgentView[]>('/api/v1/agents').catch(() => [] as AgentView[]),
  ]);
  ($('f-from') as HTMLInputElement).value = toLocalInput(filter.from);
  ($('f-to') as HTMLInputElement).value = toLocalInput(filter.to);
  options($('f-interval') as HTMLSelectElement, INTERVALS, filter.interval);
  options($('f-group') as HTMLSelectElement, GROUPINGS, filter.groupBy);
  options($('f-queue') as HTMLSelectElement, [['', 'All queues'], ...queues.map((q): [string, string] => [q.id, q.name ?? q.id])], filter.queueId);
  options($('f-team') as HTMLSelectElement, [['', 'All teams'], ...teams.map((t): [string, string] => [t.id, t.name])], filter.teamId);
  options($('f-agent') as HTMLSelectElement, [['', 'All agents'], ...agents.map((a): [string, string] => [a.id, a.name ?? a.id])], filter.agentId);
}

function readForm(): ReportFilter {
  const value = (id: string) => ($(id) as HTMLInputElement | HTMLSelectElement).value;
  const from = new Date(value('f-from'));
  const to = new Date(value('f-to'));
  const day = Number.isNaN(from.getTime()) ? filter.day : toLocalInput(from).slice(0, 10);
  return {
    from: Number.isNaN(from.getTime()) ? filter.from : from,
    to: Number.isNaN(to.getTime()) ? filter.to : to,
    interval: value('f-interval'),
    groupBy: value('f-group'),
    queueId: value('f-queue'),
    teamId: value('f-team'),
    agentId: value('f-agent'),
    day,
    call: '',
  };
}

async function load(): Promise<void> {
  writeFilter(filter);
  document.body.classList.remove('loaded');
  $('report-error').textContent = '';
  $('call-detail').hidden = !filter.call;
  try {
    await Promise.all([
      loadIntervals($('intervals'), filter),
      loadTimelines($('timelines'), filter, (day) => {
        filter = { ...filter, day };
        void load();
      }),
      loadCalls($('calls'), $('call-detail'), filter, (id) => {
        filter = { ...filter, call: id };
        writeFilter(filter);
        void loadCallDetail($('call-detail'), id).catch((e) => toast(e instanceof Error ? e.message : 'Failed', 'error'));
      }),
    ]);
  } catch (e) {
    $('report-error').textContent = e instanceof Error ? e.message : String(e);
  }
  document.body.classList.add('loaded');
}

async function main(): Promise<void> {
  const session = await requireSession('supervisor');
  $('user-name').textContent = session.username;
  await fillFilters();
  $('report-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    filter = readForm();
    void load();
  });
  $('logout-button').onclick = async () => {
    await signOut();
    window.location.replace('/index.html');
  };
  document.body.classList.add('ready');
  await load();
}

void main();
