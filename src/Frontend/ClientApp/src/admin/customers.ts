// The built-in customer table the CRM popup falls back to (paged and searched on the server).
import { api } from '../api';
import { h, toast } from '../ui';
import { clearProblems, editorForm, field, input, parseList, showProblem } from './forms';
import { PagedList } from './list';
import { CustomerRecord, PagedResult, SectionContext } from './types';

export function customersSection(root: HTMLElement, ctx: SectionContext): { refresh(): Promise<void> } {
  const editor = h('div', { id: 'customer-editor', class: 'card editor', hidden: '' });
  const list = new PagedList<CustomerRecord>(
    'customers',
    [
      { title: 'Customer', render: (c) => h('span', {}, h('strong', {}, c.name), h('small', {}, c.id)) },
      { title: 'Phone numbers', render: (c) => c.phoneNumbers.join(', ') },
      { title: 'Company', render: (c) => c.company ?? '' },
      { title: 'E-mail', render: (c) => c.email ?? '' },
      { title: '', cls: 'actions', render: (c) => (ctx.canEdit ? editButton(c) : '') },
    ],
    async (filter, page, pageSize) => {
      const query = new URLSearchParams({ page: String(page), pageSize: String(pageSize) });
      if (filter) query.set('search', filter);
      const result = await api<PagedResult<CustomerRecord>>(`/api/v1/customers?${query}`);
      return { items: result.items, total: result.total };
    },
    (c) => c.id,
  );

  function editButton(c: CustomerRecord): HTMLElement {
    const b = h('button', { type: 'button', class: 'small edit' }, 'Edit');
    b.addEventListener('click', () => open(c));
    return b;
  }

  function open(customer: CustomerRecord | null): void {
    const id = input('id', { value: customer?.id ?? '' });
    id.disabled = customer !== null;
    const name = input('name', { value: customer?.name ?? '' });
    const phones = input('phoneNumbers', { value: customer?.phoneNumbers.join(', ') ?? '' });
    const email = input('email', { value: customer?.email ?? '', type: 'email' });
    const company = input('company', { value: customer?.company ?? '' });
    const notes = h('textarea', { name: 'notes', rows: '3' });
    notes.value = customer?.notes ?? '';
    const attributes = h('textarea', { name: 'attributes', rows: '3', placeholder: 'tier=gold' });
    attributes.value = Object.entries(customer?.attributes ?? {}).map(([k, v]) => `${k}=${v}`).join('\n');
    const save = h('button', { id: 'customer-save', type: 'submit', class: 'primary' }, customer ? 'Save' : 'Create customer');
    const close = h('button', { type: 'button', class: 'ghost' }, 'Close');
    close.addEventListener('click', () => (editor.hidden = true));
    const buttons: HTMLElement[] = [save, close];
    if (customer) {
      const remove = h('button', { id: 'customer-delete', type: 'button', class: 'danger' }, 'Delete');
      remove.addEventListener('click', async () => {
        if (!window.confirm(`Delete customer ${customer.name}?`)) return;
        try {
          await api(`/api/v1/customers/${encodeURIComponent(customer.id)}`, { method: 'DELETE' });
          editor.hidden = true;
          toast(`Deleted ${customer.id}`);
          await list.reload();
        } catch (err) {
          showProblem(form, err);
        }
      });
      buttons.push(remove);
    }
    const form = editorForm(
      'customer-form',
      h('h3', {}, customer ? `Customer ${customer.id}` : 'New customer'),
      [
        field('Customer id', 'id', id),
        field('Name', 'name', name),
        field('Phone numbers', 'phoneNumbers', phones, 'Separated by commas; a call from one of them pops this customer up.'),
        field('E-mail', 'email', email),
        field('Company', 'company', company),
        field('Notes', 'notes', notes),
        field('Attributes', 'attributes', attributes, 'One name=value per line, shown in the popup.'),
      ],
      buttons,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearProblems(form);
      const body = {
        name: name.value,
        phoneNumbers: parseList(phones.value),
        email: email.value.trim() || null,
        company: company.value.trim() || null,
        notes: notes.value.trim() || null,
        attributes: Object.fromEntries(
          attributes.value.split('\n').map((l) => l.trim()).filter((l) => l.includes('='))
            .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]),
        ),
      };
      save.disabled = true;
      try {
        const saved = customer
          ? await api<CustomerRecord>(`/api/v1/customers/${encodeURIComponent(customer.id)}`, { method: 'PUT', body })
          : await api<CustomerRecord>('/api/v1/customers', { method: 'POST', body: { ...body, id: id.value.trim() } });
        toast(customer ? `Saved ${saved.id}` : `Created ${saved.id}`);
        await list.reload();
        open(saved);
      } catch (err) {
        showProblem(form, err);
      } finally {
        save.disabled = false;
      }
    });
    editor.replaceChildren(form);
    editor.hidden = false;
    (customer ? name : id).focus();
  }

  const create = h('button', { id: 'customers-new', type: 'button', class: 'primary small' }, '+ New customer');
  create.hidden = !ctx.canEdit;
  create.addEventListener('click', () => open(null));
  root.replaceChildren(
    h('div', { class: 'card list-card' }, h('div', { class: 'section-head' }, h('h2', {}, 'Customers'), create), list.element),
    editor,
  );
  void list.go(1);
  return { refresh: () => list.reload() };
}
