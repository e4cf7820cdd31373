/**
 * The console page's small toolkit: building elements, calling the local stack, and re-drawing a
 * panel only when what it shows has changed (so a reader's scroll position and an email's frame
 * survive the refresh timer).
 */

type Child = Node | string | null | undefined | false;

/** An element with attributes (`class`, `aria-*`, ...) and children; falsy children are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: readonly (Child | readonly Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** What an endpoint answered: its JSON, "not there" (404), or why it failed. */
export type Answer<T> =
  | { readonly kind: 'ok'; readonly body: T }
  | { readonly kind: 'missing' }
  | { readonly kind: 'failed'; readonly message: string };

function errorText(text: string, status: number): string {
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    if (typeof error === 'string') return error;
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${status}`;
}

/** Calls a local endpoint; `body` is sent as JSON with POST. Never throws. */
export async function call<T>(path: string, body?: unknown): Promise<Answer<T>> {
  try {
    const response = await fetch(
      path,
      body === undefined
        ? {}
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          },
    );
    const text = await response.text();
    if (response.status === 404) return { kind: 'missing' };
    if (!response.ok) return { kind: 'failed', message: errorText(text, response.status) };
    return { kind: 'ok', body: JSON.parse(text) as T };
  } catch (error) {
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The note a panel shows instead of its content. */
export function notice(answer: Exclude<Answer<unknown>, { kind: 'ok' }>): HTMLElement {
  return answer.kind === 'missing'
    ? h('p', { class: 'notice' }, 'Not available: this local stack has no such endpoint.')
    : h('p', { class: 'notice error' }, `Could not load: ${answer.message}`);
}

const drawn = new WeakMap<Element, string>();

/** Replaces `target`'s children with `draw()` unless `signature` is the one drawn last. */
export function redraw(target: Element, signature: string, draw: () => readonly Node[]): void {
  if (drawn.get(target) === signature) return;
  drawn.set(target, signature);
  target.replaceChildren(...draw());
}

/** An instant as the page shows it: ISO 8601 in UTC, to the second. */
export function instant(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : `${new Date(time).toISOString().slice(0, 19)}Z`;
}

const NUMBER = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });

/** A metric value as the page shows it. */
export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? 'no data' : NUMBER.format(value);
}
