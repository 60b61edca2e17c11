// The thresholds dialog of one queue (supervisors of the queue's scope): amber and red for longest wait, SLA and
// waiting calls. Empty boxes watch nothing.
import { api } from '../api';
import { clearProblems, field, input, numberOrUndefined, showProblem } from '../admin/forms';
import { Queue } from '../models';
import { h, toast } from '../ui';
import { setThresholds, Thresholds, thresholdsOf } from './alerts';

const FIELDS: Array<[keyof Omit<Thresholds, 'queueId'>, string]> = [
  ['longestWaitAmberSeconds', 'Longest wait amber (s)'],
  ['longestWaitRedSeconds', 'Longest wait red (s)'],
  ['slaAmberPercent', 'SLA amber at or below (%)'],
  ['slaRedPercent', 'SLA red at or below (%)'],
  ['waitingAmber', 'Waiting calls amber'],
  ['waitingRed', 'Waiting calls red'],
];

export async function editThresholds(q: Queue, changed: () => void): Promise<void> {
  const current = thresholdsOf(q.id);
  const boxes = FIELDS.map(([name]) => input(name, { type: 'number', value: current?.[name]?.toString() ?? '' }));
  const save = h('button', { id: 'thresholds-save', type: 'submit', class: 'primary' }, 'Save');
  const close = h('button', { type: 'button', class: 'ghost' }, 'Close');
  const form = h('form', { id: 'thresholds-form', class: 'editor-form', method: 'dialog', novalidate: '' },
    h('h3', {}, `Thresholds · ${q.name ?? q.id}`),
    ...FIELDS.map(([name, label], i) => field(label, name, boxes[i])),
    h('p', { class: 'form-error error', role: 'alert' }),
    h('div', { class: 'form-actions' }, save, close));
  const dialog = h('dialog', { id: 'thresholds-dialog', class: 'card' }, form);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearProblems(form);
    const body = Object.fromEntries(FIELDS.map(([name], i) => [name, numberOrUndefined(boxes[i]) ?? null]));
    try {
      setThresholds(await api<Thresholds>(`/api/v1/wallboard/thresholds/${encodeURIComponent(q.id)}`, { method: 'PUT', body }));
      toast(`Thresholds saved for ${q.name ?? q.id}`);
      dialog.close();
      changed();
    } catch (err) {
      showProblem(form, err);
    }
  });
  document.body.append(dialog);
  dialog.showModal();
}
