// Queues: numbers, strategy, required skills, SLA, wrap-up, ring timeout, overflow, maximum wait and what callers hear.
import { api, ApiError } from '../api';
import { duration, h, toast } from '../ui';
import { clearProblems, editorForm, field, input, numberOrUndefined, parseList, select, showProblem, SkillsEditor } from './forms';
import { localLoader, PagedList } from './list';
import { QueueView, SectionContext, Sounds, STRATEGIES } from './types';

export function queuesSection(root: HTMLElement, ctx: SectionContext): { refresh(): Promise<void> } {
  let sounds: Sounds | null | undefined;
  const editor = h('div', { id: 'queue-editor', class: 'card editor', hidden: '' });
  const list = new PagedList<QueueView>(
    'queues',
    [
      { title: 'Queue', render: (q) => h('span', {}, h('strong', {}, q.name ?? q.id), h('small', {}, q.id)) },
      { title: 'Numbers', render: (q) => q.numbers.join(', ') },
      { title: 'Strategy', render: (q) => STRATEGIES.find(([v]) => v === q.strategy)?.[1] ?? q.strategy },
      { title: 'Required skills', render: (q) => Object.entries(q.requiredSkills).map(([s, l]) => `${s} ≥ ${l}`).join(', ') },
      { title: 'SLA', cls: 'num', render: (q) => `${q.slaSeconds} s` },
      { title: 'Wrap-up', cls: 'num', render: (q) => `${q.wrapUpSeconds} s` },
      { title: 'Ring', cls: 'num', render: (q) => `${q.ringTimeoutSeconds} s` },
      { title: 'Max wait', cls: 'num', render: (q) => (q.maxWaitSeconds > 0 ? duration(q.maxWaitSeconds) : '–') },
      { title: 'Overflow', render: (q) => q.overflowQueueId ?? '–' },
      { title: '', cls: 'actions', render: (q) => (ctx.canEdit ? editButton(q) : '') },
    ],
    localLoader(ctx.queues, (q, f) => [q.id, q.name ?? '', ...q.numbers].some((s) => s.toLowerCase().includes(f))),
    (q) => q.id,
  );

  function editButton(q: QueueView): HTMLElement {
    const b = h('button', { type: 'button', class: 'small edit' }, 'Edit');
    b.addEventListener('click', () => void open(q));
    return b;
  }

  /** Hold music and prompt sets of this frontend's sounds folder (admins only); null when not readable. */
  async function loadSounds(): Promise<Sounds | null> {
    if (sounds !== undefined) return sounds;
    try {
      sounds = await api<Sounds>('/api/v1/sounds');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      sounds = null;
    }
    return sounds;
  }

  async function open(queue: QueueView | null): Promise<void> {
    const others = (await ctx.queues()).filter((q) => q.id !== queue?.id);
    const audio = await loadSounds();
    const id = input('id', { value: queue?.id ?? '' });
    id.disabled = queue !== null;
    const name = input('name', { value: queue?.name ?? '' });
    const numbers = input('numbers', { value: queue?.numbers.join(', ') ?? '', placeholder: '+4930123456, 800' });
    const strategy = select('strategy', STRATEGIES, queue?.strategy ?? 'longestIdle');
    const required = new SkillsEditor(queue?.requiredSkills ?? {});
    const num = (n: string, v: number | undefined) => input(n, { type: 'number', value: v === undefined ? '' : String(v) });
    const sla = num('slaSeconds', queue?.slaSeconds ?? 20);
    const wrapUp = num('wrapUpSeconds', queue?.wrapUpSeconds ?? 0);
    const ring = num('ringTimeoutSeconds', queue?.ringTimeoutSeconds ?? 20);
    const maxWait = num('maxWaitSeconds', queue?.maxWaitSeconds ?? 0);
    const overflow = select('overflowQueueId', [['', '– none –'], ...others.map((q): [string, string] => [q.id, q.name ?? q.id])], queue?.overflowQueueId ?? '');
    const announce = num('announceSeconds', queue?.announceSeconds ?? 30);
    const music = audio
      ? select('holdMusic', [['', 'Default music'], ...audio.music.map((m): [string, string] => [m, m])], queue?.holdMusic ?? '')
      : input('holdMusic', { value: queue?.holdMusic ?? '', placeholder: 'default' });
    const language = audio
      ? select('language', audio.languages.map((l): [string, string] => [l, l]), queue?.language ?? 'en')
      : input('language', { value: queue?.language ?? 'en' });
    const save = h('button', { id: 'queue-save', type: 'submit', class: 'primary' }, queue ? 'Save' : 'Create queue');
    const cancel = h('button', { type: 'button', class: 'ghost' }, 'Close');
    cancel.addEventListener('click', () => (editor.hidden = true));
    const form = editorForm(
      'queue-form',
      h('h3', {}, queue ? `Queue ${queue.id}` : 'New queue'),
      [
        field('Queue id', 'id', id),
        field('Name', 'name', name),
        field('Numbers', 'numbers', numbers, 'Dialled numbers that reach this queue, separated by commas.'),
        field('Routing strategy', 'strategy', strategy),
        field('Required skills (minimum level)', 'requiredSkills', required.element),
        h(
          'div',
          { class: 'field-row' },
          field('SLA (s)', 'slaSeconds', sla, 'Answered within counts as in service level.'),
          field('Wrap-up (s)', 'wrapUpSeconds', wrapUp),
          field('Ring timeout (s)', 'ringTimeoutSeconds', ring),
        ),
        h(
          'div',
          { class: 'field-row' },
          field('Max wait (s)', 'maxWaitSeconds', maxWait, '0: callers wait until answered.'),
          field('Overflow to', 'overflowQueueId', overflow, 'Where callers go after the max wait.'),
        ),
        h(
          'div',
          { class: 'field-row' },
          field('Announce every (s)', 'announceSeconds', announce, '0: no position announcements.'),
          field('Hold music', 'holdMusic', music),
          field('Prompt language', 'language', language),
        ),
      ],
      [save, cancel],
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearProblems(form);
      const body = {
        name: name.value,
        numbers: parseList(numbers.value),
        strategy: strategy.value,
        requiredSkills: required.value(),
        slaSeconds: numberOrUndefined(sla),
        wrapUpSeconds: numberOrUndefined(wrapUp),
        ringTimeoutSeconds: numberOrUndefined(ring),
        maxWaitSeconds: numberOrUndefined(maxWait),
        // "" takes the overflow (and the music) off; the API keeps what it has for a missing value.
        overflowQueueId: overflow.value,
        announceSeconds: numberOrUndefined(announce),
        holdMusic: music.value.trim(),
        language: language.value.trim() || undefined,
      };
      save.disabled = true;
      try {
        const saved = queue
          ? await api<QueueView>(`/api/v1/queues/${encodeURIComponent(queue.id)}`, { method: 'PUT', body })
          : await api<QueueView>('/api/v1/queues', { method: 'POST', body: { ...body, id: id.value.trim() } });
        toast(queue ? `Saved ${saved.id}` : `Created ${saved.id}`);
        ctx.changed();
        await list.reload();
        await open(saved);
      } catch (err) {
        showProblem(form, err);
      } finally {
        save.disabled = false;
      }
    });
    editor.replaceChildren(form);
    editor.hidden = false;
    (queue ? name : id).focus();
  }

  const create = h('button', { id: 'queues-new', type: 'button', class: 'primary small' }, '+ New queue');
  create.hidden = !ctx.canEdit;
  create.addEventListener('click', () => void open(null));
  root.replaceChildren(
    h('div', { class: 'card list-card' }, h('div', { class: 'section-head' }, h('h2', {}, 'Queues'), create), list.element),
    editor,
  );
  void list.go(1);
  return { refresh: () => list.reload() };
}
