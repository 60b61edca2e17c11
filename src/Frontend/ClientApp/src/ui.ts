export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string | null | undefined>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (n: number) => n.toString().padStart(2, '0');
  return hh > 0 ? `${hh}:${two(mm)}:${two(ss)}` : `${two(mm)}:${two(ss)}`;
}

export function since(iso: string | null | undefined, now = Date.now()): number {
  return iso ? (now - Date.parse(iso)) / 1000 : 0;
}

export function clock(): string {
  return new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function timeOfDay(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
}

const STATUS_LABELS: Record<string, string> = {
  loggedOut: 'Logged out',
  notReady: 'Not Ready',
  ready: 'Ready',
  reserved: 'Ringing',
  onCall: 'On call',
  wrapUp: 'Wrap-up',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const item = h('div', { class: `toast toast-${kind}` }, message);
  host.append(item);
  window.setTimeout(() => item.remove(), 4000);
}
