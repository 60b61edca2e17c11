// A plain report table with its CSV and XLSX buttons (the API renders the files; the buttons fetch them with the token).
import { download } from '../api';
import { h, toast } from '../ui';

export interface Col<T> {
  title: string;
  value: (row: T) => string | number | null;
  num?: boolean;
}

export function renderTable<T>(id: string, cols: Array<Col<T>>, rows: T[], key?: (row: T) => string, onClick?: (row: T) => void): HTMLTableElement {
  return h(
    'table',
    { id, class: 'grid-table' },
    h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { class: c.num ? 'num' : '' }, c.title)))),
    h(
      'tbody',
      {},
      ...rows.map((r) => {
        const tr = h('tr', key ? { 'data-id': key(r) } : {}, ...cols.map((c) => h('td', { class: c.num ? 'num' : '' }, fmt(c.value(r)))));
        if (onClick) {
          tr.classList.add('clickable');
          tr.addEventListener('click', () => onClick(r));
        }
        return tr;
      }),
      rows.length === 0 ? h('tr', {}, h('td', { colspan: String(cols.length), class: 'muted' }, 'No data in this range.')) : null,
    ),
  );
}

function fmt(v: string | number | null): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  return v;
}

/** "CSV" and "XLSX" buttons for an API table; url(format) is the API address of that format. */
export function exportButtons(prefix: string, url: (format: 'csv' | 'xlsx') => string, name: string): HTMLElement {
  const button = (format: 'csv' | 'xlsx') => {
    const b = h('button', { id: `${prefix}-${format}`, type: 'button', class: 'small' }, format.toUpperCase());
    b.addEventListener('click', () => download(url(format), `${name}.${format}`).catch((e) => toast(e instanceof Error ? e.message : 'Failed', 'error')));
    return b;
  };
  return h('span', { class: 'exports' }, button('csv'), button('xlsx'));
}

export function seconds(v: number | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const s = Math.round(v);
  return s >= 3600 ? `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
