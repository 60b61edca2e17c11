// Users: every login (agents' own, supervisors, admins, integrations): create, roles, a supervisor's scope (teams and
// queues; none means everything), disable, new password. Admins only (the API refuses supervisors).
import { api } from '../api';
import { h, toast } from '../ui';
import { CheckList, clearProblems, editorForm, field, input, showProblem } from './forms';
import { localLoader, PagedList } from './list';
import { ROLES, SectionContext, UserView } from './types';

export function usersSection(root: HTMLElement, ctx: SectionContext): { refresh(): Promise<void> } {
  let cache: UserView[] | null = null;
  const all = async () => (cache ??= await api<UserView[]>('/api/v1/users'));
  const editor = h('div', { id: 'user-editor', class: 'card editor', hidden: '' });
  const scopeText = (u: UserView) =>
    [...(u.scopeTeams ?? []).map((t) => `team ${t}`), ...(u.scopeQueues ?? []).map((q) => `queue ${q}`)].join(', ') || 'everything';
  const list = new PagedList<UserView>(
    'users',
    [
      { title: 'User', render: (u) => h('span', {}, h('strong', {}, u.username), h('small', {}, u.agentId ? `agent ${u.agentId}` : '')) },
      { title: 'Roles', render: (u) => u.roles.join(', ') },
      { title: 'Scope', render: (u) => (u.roles.includes('supervisor') && !u.roles.includes('admin') ? scopeText(u) : '') },
      { title: 'State', render: (u) => (u.disabled ? h('span', { class: 'bad' }, 'disabled') : 'active') },
      { title: '', cls: 'actions', render: (u) => editButton(u) },
    ],
    localLoader(all, (u, f) => [u.username, u.agentId ?? '', ...u.roles].some((s) => s.toLowerCase().includes(f))),
    (u) => u.username,
  );

  function editButton(u: UserView): HTMLElement {
    const b = h('button', { type: 'button', class: 'small edit' }, 'Edit');
    b.addEventListener('click', () => void open(u));
    return b;
  }

  async function refresh(): Promise<void> {
    cache = null;
    await list.reload();
  }

  async function open(user: UserView | null): Promise<void> {
    const [queues, teams] = await Promise.all([ctx.queues(), ctx.teams()]);
    const username = input('username', { value: user?.username ?? '' });
    username.disabled = user !== null;
    const password = input('password', { type: 'password', autocomplete: 'new-password' });
    const roles = new CheckList('roles', ROLES, user?.roles ?? ['supervisor']);
    const scopeTeams = new CheckList('scopeTeams', teams.map((t) => t.id), user?.scopeTeams ?? []);
    const scopeQueues = new CheckList('scopeQueues', queues.map((q) => q.id), user?.scopeQueues ?? []);
    const disabled = h('input', { type: 'checkbox', name: 'disabled' });
    disabled.checked = user?.disabled ?? false;
    const save = h('button', { id: 'user-save', type: 'submit', class: 'primary' }, user ? 'Save' : 'Create user');
    const close = h('button', { type: 'button', class: 'ghost' }, 'Close');
    close.addEventListener('click', () => (editor.hidden = true));
    const form = editorForm('user-form', h('h3', {}, user ? `User ${user.username}` : 'New user'), [
      field('Username', 'username', username),
      field(user ? 'New password' : 'Password', 'password', password, user ? 'Leave empty to keep it; a new one signs the user out.' : 'At least 8 characters.'),
      field('Roles', 'roles', roles.element),
      field('Supervisor scope: teams', 'scopeTeams', scopeTeams.element, 'None ticked here and below: every team and queue.'),
      field('Supervisor scope: queues', 'scopeQueues', scopeQueues.element),
      field('Disabled', 'disabled', h('label', { class: 'check' }, disabled, 'Cannot sign in')),
    ], [save, close]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearProblems(form);
      const body: Record<string, unknown> = {
        roles: roles.value(),
        scopeTeams: scopeTeams.value(),
        scopeQueues: scopeQueues.value(),
        disabled: disabled.checked,
      };
      if (password.value !== '' || !user) body.password = password.value;
      try {
        const saved = user
          ? await api<UserView>(`/api/v1/users/${encodeURIComponent(user.username)}`, { method: 'PUT', body })
          : await api<UserView>('/api/v1/users', { method: 'POST', body: { ...body, username: username.value.trim() } });
        toast(user ? `Saved ${saved.username}` : `Created ${saved.username}`);
        await refresh();
        await open(saved);
      } catch (err) {
        showProblem(form, err);
      }
    });
    editor.replaceChildren(form);
    editor.hidden = false;
    (user ? password : username).focus();
  }

  const create = h('button', { id: 'users-new', type: 'button', class: 'primary small' }, '+ New user');
  create.addEventListener('click', () => void open(null));
  root.replaceChildren(
    h('div', { class: 'card list-card' }, h('div', { class: 'section-head' }, h('h2', {}, 'Users'), create), list.element),
    editor,
  );
  if (ctx.canEdit) void list.go(1);
  return { refresh };
}
