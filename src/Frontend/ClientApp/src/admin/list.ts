// A list with a filter box and pages. The loader does the filtering and paging: in memory for the catalog's agents and
// queues, on the server for customers.
import { h } from '../ui';

export interface Page<T> {
  items: T[];
  total: number;
}

export interface Column<T> {
  title: string;
  render: (item: T) => Node | string;
  cls?: string;
}

export type Loader<T> = (filter: string, page: number, pageSize: number) => Promise<Page<T>>;

/** Filters and pages an in-memory list. */
export function localLoader<T>(all: () => Promise<T[]>, matches: (item: T, filter: string) => boolean): Loader<T> {
  return async (filter, page, size) => {
    const needle = filter.toLowerCase();
    const items = (await all()).filter((i) => needle === '' || matches(i, needle));
    return { items: items.slice((page - 1) * size, page * size), total: items.length };
  };
}

export class PagedList<T> {
  readonly element: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly info: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly filterBox: HTMLInputElement;
  private page = 1;
  private total = 0;
  private debounce: number | undefined;

  constructor(
    prefix: string,
    private readonly columns: Array<Column<T>>,
    private readonly loader: Loader<T>,
    private readonly key: (item: T) => string,
    private readonly pageSize = 20,
  ) {
    this.filterBox = h('input', { id: `${prefix}-filter`, type: 'search', placeholder: 'Filter…', 'aria-label': 'Filter' });
    this.filterBox.addEventListener('input', () => {
      window.clearTimeout(this.debounce);
      this.debounce = window.setTimeout(() => void this.go(1), 200);
    });
    this.body = h('tbody', { id: `${prefix}-body` });
    this.info = h('span', { id: `${prefix}-page`, class: 'muted' });
    this.prev = h('button', { id: `${prefix}-prev`, type: 'button', class: 'small' }, '‹ Previous');
    this.next = h('button', { id: `${prefix}-next`, type: 'button', class: 'small' }, 'Next ›');
    this.prev.addEventListener('click', () => void this.go(this.page - 1));
    this.next.addEventListener('click', () => void this.go(this.page + 1));
    this.element = h(
      'div',
      { class: 'paged-list' },
      this.filterBox,
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid-table' }, h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { class: c.cls ?? '' }, c.title)))), this.body),
      ),
      h('div', { class: 'pager' }, this.prev, this.info, this.next),
    );
  }

  async go(page: number): Promise<void> {
    const pages = Math.max(1, Math.ceil(this.total / this.pageSize));
    this.page = Math.max(1, this.total === 0 ? page : Math.min(page, pages));
    const result = await this.loader(this.filterBox.value.trim(), this.page, this.pageSize);
    if (result.items.length === 0 && result.total > 0 && this.page > 1) {
      this.total = result.total;
      return this.go(Math.ceil(result.total / this.pageSize));
    }
    this.total = result.total;
    this.body.replaceChildren(
      ...result.items.map((item) =>
        h('tr', { 'data-id': this.key(item) }, ...this.columns.map((c) => h('td', { class: c.cls ?? '' }, c.render(item)))),
      ),
    );
    if (result.items.length === 0) {
      this.body.append(h('tr', {}, h('td', { colspan: String(this.columns.length), class: 'muted' }, 'Nothing here yet.')));
    }
    const first = (this.page - 1) * this.pageSize + 1;
    this.info.textContent = this.total === 0 ? '0 of 0' : `${first}–${first + result.items.length - 1} of ${this.total}`;
    this.prev.disabled = this.page <= 1;
    this.next.disabled = this.page * this.pageSize >= this.total;
  }

  reload(): Promise<void> {
    return this.go(this.page);
  }
}
