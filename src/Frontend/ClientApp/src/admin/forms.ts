// Form building blocks of the admin console. Forms do not validate by themselves (novalidate): the API's
// problem+json answer is the one source of truth, and each field shows the errors the API names for it.
import { ApiError } from '../api';
import { h } from '../ui';

let fieldSeq = 0;

/** A labelled control with the element that shows the API's errors for `name` (data-error-for). */
export function field(label: string, name: string, control: HTMLElement, hint?: string): HTMLElement {
  const labelled = control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement;
  if (labelled && !control.id) control.id = `f-${name}-${++fieldSeq}`;
  const id = labelled ? control.id : '';
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', id ? { for: id } : {}, label),
    control,
    hint ? h('small', { class: 'hint' }, hint) : null,
    h('p', { class: 'field-error', 'data-error-for': name, role: 'alert' }),
  );
}

export function input(name: string, attrs: Record<string, string> = {}): HTMLInputElement {
  return h('input', { name, autocomplete: 'off', ...attrs });
}

export function select(name: string, options: Array<[value: string, label: string]>, value = ''): HTMLSelectElement {
  const el = h('select', { name }, ...options.map(([v, l]) => h('option', { value: v }, l)));
  el.value = value;
  return el;
}

/** Comma-, space- or line-separated values. */
export function parseList(text: string): string[] {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** An int from a number box; empty stays undefined (the API keeps its default), anything else goes as typed. */
export function numberOrUndefined(el: HTMLInputElement): number | undefined {
  const text = el.value.trim();
  return text === '' ? undefined : Number(text);
}

export function clearProblems(form: HTMLElement): void {
  form.querySelectorAll<HTMLElement>('[data-error-for]').forEach((e) => (e.textContent = ''));
  form.querySelectorAll<HTMLElement>('.field.invalid').forEach((e) => e.classList.remove('invalid'));
  const summary = form.querySelector<HTMLElement>('.form-error');
  if (summary) summary.textContent = '';
}

/**
 * Puts each field error of a problem+json answer beside its field ("numbers[0]" and "requiredSkills.english" belong
 * to "numbers" and "requiredSkills"); what names no field of the form goes into the form's summary line.
 */
export function showProblem(form: HTMLElement, error: unknown): void {
  clearProblems(form);
  const summary = form.querySelector<HTMLElement>('.form-error');
  if (!(error instanceof ApiError)) {
    if (summary) summary.textContent = error instanceof Error ? error.message : String(error);
    return;
  }
  const rest: string[] = [];
  for (const [key, messages] of Object.entries(error.problem.errors ?? {})) {
    const name = key.split(/[.[]/)[0];
    const target = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`);
    if (target) {
      target.textContent = messages.join(' ');
      target.closest('.field')?.classList.add('invalid');
    } else {
      rest.push(`${key}: ${messages.join(' ')}`);
    }
  }
  if (summary) {
    summary.textContent = rest.length ? rest.join(' ') : error.problem.errors ? '' : (error.problem.detail ?? error.problem.title ?? 'Failed.');
  }
}

/** Check boxes of one name; value() is the checked values. */
export class CheckList {
  readonly element: HTMLElement;

  constructor(private readonly name: string, options: string[], selected: string[] = []) {
    this.element = h('div', { class: 'check-list' });
    this.set(options, selected);
  }

  set(options: string[], selected: string[]): void {
    this.element.replaceChildren(
      ...(options.length === 0 ? [h('span', { class: 'muted' }, 'none yet')] : []),
      ...options.map((o) => {
        const box = h('input', { type: 'checkbox', name: this.name, value: o });
        box.checked = selected.includes(o);
        return h('label', { class: 'check' }, box, o);
      }),
    );
  }

  value(): string[] {
    return [...this.element.querySelectorAll<HTMLInputElement>(`input[name="${this.name}"]:checked`)].map((b) => b.value);
  }
}

/** Skill name + level (1-10) rows: an agent's skills or a queue's required minimum levels. */
export class SkillsEditor {
  readonly element: HTMLElement;
  private readonly rows: HTMLElement;

  constructor(value: Record<string, number> = {}) {
    this.rows = h('div', { class: 'skill-rows' });
    const add = h('button', { type: 'button', class: 'small add-skill' }, '+ Skill');
    add.addEventListener('click', () => this.addRow('', 5).querySelector('input')?.focus());
    this.element = h('div', { class: 'skills-editor' }, this.rows, add);
    this.set(value);
  }

  set(value: Record<string, number>): void {
    this.rows.replaceChildren();
    Object.entries(value).forEach(([skill, level]) => this.addRow(skill, level));
  }

  value(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const row of this.rows.querySelectorAll('.skill-row')) {
      const skill = (row.querySelector('input[name="skill"]') as HTMLInputElement).value.trim();
      const level = (row.querySelector('input[name="level"]') as HTMLInputElement).value.trim();
      if (skill) result[skill] = level === '' ? NaN : Number(level);
    }
    return result;
  }

  private addRow(skill: string, level: number): HTMLElement {
    const remove = h('button', { type: 'button', class: 'small ghost', title: 'Remove skill' }, '×');
    const row = h(
      'div',
      { class: 'skill-row' },
      input('skill', { value: skill, placeholder: 'skill, e.g. english', 'aria-label': 'Skill' }),
      input('level', { type: 'number', value: String(level), 'aria-label': 'Level (1-10)', class: 'level' }),
      remove,
    );
    remove.addEventListener('click', () => row.remove());
    this.rows.append(row);
    return row;
  }
}

/** The editor panel's frame: title, form with a summary line for errors no field owns, and the action buttons. */
export function editorForm(id: string, title: HTMLElement, fields: HTMLElement[], actions: HTMLElement[]): HTMLFormElement {
  return h(
    'form',
    { id, class: 'editor-form', novalidate: '' },
    title,
    ...fields,
    h('p', { class: 'form-error error', role: 'alert' }),
    h('div', { class: 'form-actions' }, ...actions),
  );
}
