// Agents: list, create, edit (name, extension, skills with levels, queues, roles), reset the web and SIP passwords,
// force a logout.
import { api } from '../api';
import { h, statusLabel, toast } from '../ui';
import { CheckList, clearProblems, editorForm, field, input, select, showProblem, SkillsEditor } from './forms';
import { localLoader, PagedList } from './list';
import { AgentView, ROLES, SectionContext } from './types';

export function agentsSection(root: HTMLElement, ctx: SectionContext): { refresh(): Promise<void> } {
  let cache: AgentView[] | null = null;
  const all = async () => (cache ??= await api<AgentView[]>('/api/v1/agents'));
  const editor = h('div', { id: 'agent-editor', class: 'card editor', hidden: '' });
  const list = new PagedList<AgentView>(
    'agents',
    [
      { title: 'Agent', render: (a) => h('span', {}, h('strong', {}, a.name ?? a.id), h('small', {}, a.id)) },
      { title: 'Ext.', render: (a) => a.extension ?? '' },
      { title: 'State', render: (a) => h('span', { class: 'status-pill', 'data-status': a.status }, statusLabel(a.status)) },
      { title: 'Skills', render: (a) => Object.entries(a.skills).map(([s, l]) => `${s} ${l}`).join(', ') },
      { title: 'Team', render: (a) => a.teamId ?? '' },
      { title: 'Queues', render: (a) => a.queues.join(', ') },
      { title: 'Roles', render: (a) => a.roles.join(', ') },
      { title: 'Phone', render: (a) => (a.phoneRegistered ? 'registered' : '–') },
      { title: '', cls: 'actions', render: (a) => (ctx.canEdit ? editButton(a) : '') },
    ],
    localLoader(all, (a, q) => [a.id, a.name ?? '', a.extension ?? '', a.teamId ?? '', ...a.queues, ...Object.keys(a.skills)].some((s) => s.toLowerCase().includes(q))),
    (a) => a.id,
  );

  function editButton(a: AgentView): HTMLElement {
    const b = h('button', { type: 'button', class: 'small edit' }, 'Edit');
    b.addEventListener('click', () => void open(a));
    return b;
  }

  async function refresh(): Promise<void> {
    cache = null;
    await list.reload();
  }

  async function open(agent: AgentView | null): Promise<void> {
    const [queueList, teamList] = await Promise.all([ctx.queues(), ctx.teams()]);
    const queueIds = queueList.map((q) => q.id);
    const team = select('teamId', [['', '(no team)'], ...teamList.map((t): [string, string] => [t.id, t.name])], agent?.teamId ?? '');
    const id = input('id', { value: agent?.id ?? '' });
    id.disabled = agent !== null;
    const name = input('name', { value: agent?.name ?? '' });
    const extension = input('extension', { value: agent?.extension ?? '' });
    const threeCx = input('threeCxExtension', { value: agent?.threeCxExtension ?? '' });
    const password = input('password', { type: 'password', autocomplete: 'new-password' });
    const sipPassword = input('sipPassword', { type: 'password', autocomplete: 'new-password' });
    const skills = new SkillsEditor(agent?.skills ?? {});
    const queues = new CheckList('queues', queueIds, agent?.queues ?? []);
    const roles = new CheckList('roles', ROLES, agent?.roles ?? ['agent']);
    const save = h('button', { id: 'agent-save', type: 'submit', class: 'primary' }, agent ? 'Save' : 'Create agent');
    const cancel = h('button', { type: 'button', class: 'ghost' }, 'Close');
    cancel.addEventListener('click', () => (editor.hidden = true));
    const fields = [
      field('Agent id (also the sign-in name)', 'id', id),
      field('Name', 'name', name),
      field('Extension', 'extension', extension, 'What colleagues dial to reach this agent internally.'),
      field('3CX extension', 'threeCxExtension', threeCx, 'The agent\'s extension on the 3CX PBX, when calls come through the 3CX connector; empty for none.'),
      ...(agent ? [] : [field('Web password', 'password', password, 'At least 8 characters.'), field('SIP password', 'sipPassword', sipPassword, 'For the agent\'s phones; optional.')]),
      field('Skills (level 1-10)', 'skills', skills.element),
      field('Team', 'teamId', team),
      field('Queues', 'queues', queues.element),
      field('Roles', 'roles', roles.element),
    ];
    const title = h('h3', {}, agent ? `Agent ${agent.id}` : 'New agent');
    const form = editorForm('agent-form', title, fields, [save, cancel]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearProblems(form);
      const body: Record<string, unknown> = {
        name: name.value,
        extension: extension.value,
        threeCxExtension: threeCx.value,
        skills: skills.value(),
        queues: queues.value(),
        roles: roles.value(),
        teamId: team.value,
      };
      save.disabled = true;
      try {
        const saved = agent
          ? await api<AgentView>(`/api/v1/agents/${encodeURIComponent(agent.id)}`, { method: 'PUT', body })
          : await api<AgentView>('/api/v1/agents', {
              method: 'POST',
              body: { ...body, id: id.value.trim(), password: password.value, sipPassword: sipPassword.value || undefined },
            });
        toast(agent ? `Saved ${saved.id}` : `Created ${saved.id}`);
        await refresh();
        ctx.changed();
        await open(saved);
      } catch (err) {
        showProblem(form, err);
      } finally {
        save.disabled = false;
      }
    });
    editor.replaceChildren(form, ...(agent ? [accountTools(agent)] : []));
    editor.hidden = false;
    (agent ? name : id).focus();
  }

  /** Password resets and the forced logout act at once, each on its own (not with the form's Save). */
  function accountTools(agent: AgentView): HTMLElement {
    const url = `/api/v1/agents/${encodeURIComponent(agent.id)}`;
    const web = input('password', { type: 'text', autocomplete: 'off', id: 'agent-reset-password' });
    const sip = input('sipPassword', { type: 'text', autocomplete: 'off', id: 'agent-reset-sip' });
    const setWeb = h('button', { id: 'agent-reset-password-button', type: 'submit', class: 'small' }, 'Set web password');
    const setSip = h('button', { id: 'agent-reset-sip-button', type: 'submit', class: 'small' }, 'Set SIP password');
    const webForm = h('form', { class: 'inline-form', novalidate: '' }, field('New web password', 'password', web, 'Signs the agent out everywhere.'), setWeb,
      h('p', { class: 'form-error error', role: 'alert' }));
    const sipForm = h('form', { class: 'inline-form', novalidate: '' }, field('New SIP password', 'sipPassword', sip, 'Phones must register with it again.'), setSip,
      h('p', { class: 'form-error error', role: 'alert' }));
    const reset = (form: HTMLFormElement, box: HTMLInputElement, key: string, done: string) =>
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearProblems(form);
        try {
          await api(url, { method: 'PUT', body: { [key]: box.value } });
          box.value = '';
          toast(done);
        } catch (err) {
          showProblem(form, err);
        }
      });
    reset(webForm, web, 'password', `New web password set for ${agent.id}`);
    reset(sipForm, sip, 'sipPassword', `New SIP password set for ${agent.id}`);
    const logout = h('button', { id: 'agent-force-logout', type: 'button', class: 'warn small' }, 'Force logout');
    logout.disabled = agent.status === 'loggedOut';
    logout.addEventListener('click', async () => {
      try {
        await api(`${url}/logout`, { method: 'POST' });
        toast(`${agent.id} is logged out (or will be after the current call)`);
        await refresh();
      } catch (err) {
        toast(err instanceof Error ? err.message : 'Refused', 'error');
      }
    });
    return h('div', { class: 'account-tools' }, h('h3', {}, 'Account'), webForm, sipForm, logout);
  }

  const create = h('button', { id: 'agents-new', type: 'button', class: 'primary small' }, '+ New agent');
  create.hidden = !ctx.canEdit;
  create.addEventListener('click', () => void open(null));
  root.replaceChildren(
    h('div', { class: 'card list-card' }, h('div', { class: 'section-head' }, h('h2', {}, 'Agents'), create), list.element),
    editor,
  );
  void list.go(1);
  return { refresh };
}
