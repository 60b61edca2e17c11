// Teams: which queues each team works, and the availability board (who is Ready, on a call, in wrap-up, Not Ready
// with its reason, and for how long). Supervisors see the teams of their scope.
import { api } from '../api';
import { duration, h, since, statusLabel, toast } from '../ui';
import { CheckList, clearProblems, editorForm, field, input, showProblem } from './forms';
import { localLoader, PagedList } from './list';
import { SectionContext, TeamAvailability, TeamView } from './types';

export function teamsSection(root: HTMLElement, ctx: SectionContext): { refresh(): Promise<void> } {
  const editor = h('div', { id: 'team-editor', class: 'card editor', hidden: '' });
  const board = h('div', { id: 'team-availability', class: 'availability' });
  const list = new PagedList<TeamView>(
    'teams',
    [
      { title: 'Team', render: (t) => h('span', {}, h('strong', {}, t.name), h('small', {}, t.id)) },
      { title: 'Queues', render: (t) => t.queues.join(', ') },
      { title: 'Agents', cls: 'num', render: (t) => String(t.agents) },
      { title: '', cls: 'actions', render: (t) => (ctx.canEdit ? editButton(t) : '') },
    ],
    localLoader(ctx.teams, (t, f) => [t.id, t.name, ...t.queues].some((s) => s.toLowerCase().includes(f))),
    (t) => t.id,
  );

  function editButton(t: TeamView): HTMLElement {
    const b = h('button', { type: 'button', class: 'small edit' }, 'Edit');
    b.addEventListener('click', () => void open(t));
    return b;
  }

  async function refresh(): Promise<void> {
    await list.reload();
    await loadBoard();
  }

  async function loadBoard(): Promise<void> {
    const teams = await api<TeamAvailability[]>('/api/v1/teams/availability');
    board.replaceChildren(
      ...teams.map((t) =>
        h(
          'div',
          { class: 'card team-board', 'data-team-id': t.id ?? '' },
          h(
            'div',
            { class: 'section-head' },
            h('h3', {}, t.name),
            h(
              'span',
              { class: 'counts' },
              h('span', { class: 'status-pill', 'data-status': 'ready', 'data-count': 'ready' }, `Ready ${t.ready}`),
              h('span', { class: 'status-pill', 'data-status': 'onCall', 'data-count': 'onCall' }, `On call ${t.onCall}`),
              h('span', { class: 'status-pill', 'data-status': 'wrapUp', 'data-count': 'wrapUp' }, `Wrap-up ${t.wrapUp}`),
              h('span', { class: 'status-pill', 'data-status': 'notReady', 'data-count': 'notReady' }, `Not Ready ${t.notReady}`),
            ),
          ),
          h(
            'table',
            { class: 'grid-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Agent'), h('th', {}, 'State'), h('th', {}, 'Reason'), h('th', { class: 'num' }, 'In state'))),
            h(
              'tbody',
              {},
              ...t.agents.map((a) =>
                h(
                  'tr',
                  { 'data-agent-id': a.id },
                  h('td', {}, a.name ?? a.id),
                  h('td', {}, h('span', { class: 'status-pill', 'data-status': a.status }, statusLabel(a.status))),
                  h('td', { 'data-field': 'reason' }, a.status === 'notReady' ? (a.reasonCode ?? '') : ''),
                  h('td', { class: 'num time', 'data-since': a.stateSince }, duration(since(a.stateSince))),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function open(team: TeamView | null): Promise<void> {
    const queueIds = (await ctx.queues()).map((q) => q.id);
    const id = input('id', { value: team?.id ?? '' });
    id.disabled = team !== null;
    const name = input('name', { value: team?.name ?? '' });
    const queues = new CheckList('queues', queueIds, team?.queues ?? []);
    const save = h('button', { id: 'team-save', type: 'submit', class: 'primary' }, team ? 'Save' : 'Create team');
    const close = h('button', { type: 'button', class: 'ghost' }, 'Close');
    close.addEventListener('click', () => (editor.hidden = true));
    const actions: HTMLElement[] = [save, close];
    if (team) {
      const remove = h('button', { id: 'team-delete', type: 'button', class: 'warn' }, 'Delete');
      remove.addEventListener('click', async () => {
        try {
          await api(`/api/v1/teams/${encodeURIComponent(team.id)}`, { method: 'DELETE' });
          toast(`Deleted ${team.id}`);
          editor.hidden = true;
          ctx.changed();
        } catch (err) {
          toast(err instanceof Error ? err.message : 'Refused', 'error');
        }
      });
      actions.push(remove);
    }
    const form = editorForm('team-form', h('h3', {}, team ? `Team ${team.id}` : 'New team'),
      [field('Team id', 'id', id), field('Name', 'name', name), field('Queues the team works', 'queues', queues.element)], actions);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearProblems(form);
      const body = { name: name.value, queues: queues.value() };
      try {
        const saved = team
          ? await api<TeamView>(`/api/v1/teams/${encodeURIComponent(team.id)}`, { method: 'PUT', body })
          : await api<TeamView>('/api/v1/teams', { method: 'POST', body: { ...body, id: id.value.trim() } });
        toast(team ? `Saved ${saved.id}` : `Created ${saved.id}`);
        ctx.changed();
        await open(saved);
      } catch (err) {
        showProblem(form, err);
      }
    });
    editor.replaceChildren(form);
    editor.hidden = false;
    (team ? name : id).focus();
  }

  const create = h('button', { id: 'teams-new', type: 'button', class: 'primary small' }, '+ New team');
  create.hidden = !ctx.canEdit;
  create.addEventListener('click', () => void open(null));
  const reload = h('button', { id: 'availability-refresh', type: 'button', class: 'small' }, 'Refresh');
  reload.addEventListener('click', () => void loadBoard());
  root.replaceChildren(
    h('div', { class: 'card list-card' }, h('div', { class: 'section-head' }, h('h2', {}, 'Teams'), create), list.element),
    editor,
    h('div', { class: 'card list-card wide' }, h('div', { class: 'section-head' }, h('h2', {}, 'Availability'), reload), board),
  );
  void list.go(1);
  void loadBoard();
  window.setInterval(() => {
    for (const el of board.querySelectorAll<HTMLElement>('[data-since]')) el.textContent = duration(since(el.dataset.since));
  }, 1000);
  return { refresh };
}
