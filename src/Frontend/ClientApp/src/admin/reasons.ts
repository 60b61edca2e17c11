// Not Ready reason codes agents choose from; the system's own codes are shown but fixed.
import { api } from '../api';
import { h, toast } from '../ui';
import { clearProblems, editorForm, field, input, showProblem } from './forms';
import { ReasonCodes, SectionContext } from './types';

export function reasonsSection(root: HTMLElement, ctx: SectionContext): { refresh(): Promise<void> } {
  const listEl = h('ul', { id: 'reasons-list', class: 'chip-list' });
  const systemEl = h('ul', { id: 'reasons-system', class: 'chip-list' });

  async function refresh(): Promise<void> {
    render(await api<ReasonCodes>('/api/v1/reason-codes'));
  }

  function render(codes: ReasonCodes): void {
    listEl.replaceChildren(
      ...codes.codes.map((c) => {
        const item = h('li', { class: 'chip', 'data-code': c }, c);
        if (ctx.canEdit) {
          const remove = h('button', { type: 'button', class: 'small ghost remove', title: `Remove ${c}` }, '×');
          remove.addEventListener('click', async () => {
            try {
              render(await api<ReasonCodes>(`/api/v1/reason-codes/${encodeURIComponent(c)}`, { method: 'DELETE' }));
              toast(`Removed ${c}`);
            } catch (err) {
              toast(err instanceof Error ? err.message : 'Refused', 'error');
            }
          });
          item.append(remove);
        }
        return item;
      }),
    );
    systemEl.replaceChildren(...codes.system.map((c) => h('li', { class: 'chip system' }, c)));
  }

  const code = input('code', { placeholder: 'e.g. coaching' });
  const add = h('button', { id: 'reason-add', type: 'submit', class: 'primary small' }, 'Add');
  const form = editorForm('reason-form', h('h3', {}, 'New reason code'), [field('Code', 'code', code)], [add]);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    try {
      render(await api<ReasonCodes>('/api/v1/reason-codes', { method: 'POST', body: { code: code.value } }));
      toast(`Added ${code.value.trim()}`);
      code.value = '';
    } catch (err) {
      showProblem(form, err);
    }
  });
  root.replaceChildren(
    h(
      'div',
      { class: 'card list-card' },
      h('div', { class: 'section-head' }, h('h2', {}, 'Reason codes')),
      h('p', { class: 'muted' }, 'Agents pick one of these when they go Not Ready.'),
      listEl,
      h('h3', {}, 'Set by the system'),
      systemEl,
    ),
    ctx.canEdit ? h('div', { class: 'card editor' }, form) : h('div'),
  );
  void refresh();
  return { refresh };
}
