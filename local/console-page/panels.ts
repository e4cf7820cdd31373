/**
 * The console's list panels (alarms, executions with their path, the outbox, dead letters) and
 * the clock. Each reads one `/_local/` endpoint on `refresh` and redraws only when the answer
 * changed.
 */
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { ExecutionOutcome } from '#local/services/stepfunctions.ts';
import { call, h, instant, notice, redraw } from './dom.ts';
import type { AlarmState, AlarmStatus, ConsoleState } from './state.ts';

/** How many of the newest executions and messages the page shows. */
const RECENT = 15;

/** A panel of the page: redraws itself from its endpoint. */
export interface Panel {
  refresh(): Promise<void>;
}

function body(section: HTMLElement): HTMLElement {
  const found = section.querySelector<HTMLElement>('.panel-body');
  if (found === null) throw new Error(`the page has no body for panel ${section.id}`);
  return found;
}

/** The clock: its time, and a form that advances it (then every panel refreshes). */
export class ClockPanel implements Panel {
  readonly #state: ConsoleState;
  readonly #now: HTMLOutputElement;
  readonly #form: HTMLFormElement;
  readonly #input: HTMLInputElement;
  readonly #status: HTMLElement;

  constructor(state: ConsoleState, section: HTMLElement, onAdvanced: () => Promise<void>) {
    this.#state = state;
    const get = <T extends Element>(selector: string) => {
      const found = section.querySelector<T>(selector);
      if (found === null) throw new Error(`the clock panel has no ${selector}`);
      return found;
    };
    this.#now = get<HTMLOutputElement>('#clock-now');
    this.#form = get<HTMLFormElement>('#clock-form');
    this.#input = get<HTMLInputElement>('#advance-to');
    this.#status = get<HTMLElement>('#clock-status');
    const advance = async (target: string) => {
      const buttons = [...this.#form.querySelectorAll('button')];
      for (const button of buttons) button.disabled = true;
      this.#status.textContent = `Advancing to ${target} ...`;
      const answer = await call<{ now: string; fired: number }>('/_local/clock', {
        advanceTo: target,
      });
      for (const button of buttons) button.disabled = false;
      if (answer.kind === 'ok') {
        // The time now, before the refresh reads it: a +1 hour right away starts from it.
        this.#state.now = answer.body.now;
        this.#status.textContent = `Advanced to ${instant(answer.body.now)}: ${answer.body.fired} firing(s).`;
        this.#input.value = '';
        await onAdvanced();
      } else {
        this.#status.textContent =
          answer.kind === 'missing' ? 'Not available.' : `Not advanced: ${answer.message}`;
      }
    };
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void advance(this.#input.value.trim());
    });
    for (const button of this.#form.querySelectorAll<HTMLButtonElement>(
      'button[data-advance-seconds]',
    )) {
      button.addEventListener('click', () => {
        const now = this.#state.now === undefined ? Number.NaN : Date.parse(this.#state.now);
        if (Number.isNaN(now)) return;
        const seconds = Number(button.dataset.advanceSeconds);
        void advance(new Date(now + seconds * 1000).toISOString());
      });
    }
  }

  async refresh(): Promise<void> {
    const answer = await call<{ now: string }>('/_local/clock');
    if (answer.kind !== 'ok') {
      this.#now.textContent = answer.kind === 'missing' ? 'not available' : answer.message;
      return;
    }
    this.#state.now = answer.body.now;
    this.#now.textContent = instant(answer.body.now);
    this.#now.setAttribute('datetime', answer.body.now);
    // A starting point to edit, while nobody is editing it.
    if (this.#input.value === '' && document.activeElement !== this.#input) {
      this.#input.placeholder = answer.body.now;
    }
  }
}

const STATE_ORDER: Readonly<Record<AlarmState, number>> = {
  ALARM: 0,
  INSUFFICIENT_DATA: 1,
  OK: 2,
};

/** Every alarm of the stack with its state: those in ALARM first. */
export class AlarmsPanel implements Panel {
  readonly #state: ConsoleState;
  readonly #body: HTMLElement;

  constructor(state: ConsoleState, section: HTMLElement) {
    this.#state = state;
    this.#body = body(section);
  }

  async refresh(): Promise<void> {
    const answer = await call<{ alarms: AlarmStatus[] }>('/_local/alarms');
    if (answer.kind !== 'ok') {
      delete this.#state.alarms;
      redraw(this.#body, answer.kind, () => [notice(answer)]);
      return;
    }
    const alarms = answer.body.alarms;
    this.#state.alarms = alarms;
    const sorted = [...alarms].sort(
      (a, b) => (STATE_ORDER[a.state] ?? 3) - (STATE_ORDER[b.state] ?? 3),
    );
    const count = (state: AlarmState) => alarms.filter((alarm) => alarm.state === state).length;
    redraw(this.#body, JSON.stringify(sorted), () => [
      h(
        'p',
        { class: 'summary' },
        `${count('ALARM')} in alarm, ${count('INSUFFICIENT_DATA')} with insufficient data, ${count('OK')} OK.`,
      ),
      h(
        'table',
        { class: 'alarms' },
        h('caption', {}, 'Alarms, as deployed, evaluated on the local clock'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Alarm', 'State', 'Since', 'Reason'].map((title) => h('th', { scope: 'col' }, title)),
          ),
        ),
        h(
          'tbody',
          {},
          sorted.map((alarm) =>
            h(
              'tr',
              { class: `alarm state-${alarm.state.toLowerCase()}` },
              h('th', { scope: 'row' }, alarm.name),
              h(
                'td',
                {},
                h('span', { class: `badge state-${alarm.state.toLowerCase()}` }, alarm.state),
              ),
              h('td', {}, instant(alarm.since)),
              h('td', {}, alarm.reason),
            ),
          ),
        ),
      ),
    ]);
  }
}

/** The path an execution took, drawn as the states it entered joined by arrows. */
function drawPath(execution: ExecutionOutcome): HTMLElement {
  const { path } = execution;
  return h(
    'ol',
    { class: 'path', 'aria-label': `Path of ${execution.name}` },
    path.map((state, index) =>
      h(
        'li',
        {
          class:
            index === path.length - 1
              ? `state last status-${execution.status.toLowerCase()}`
              : 'state',
        },
        state,
      ),
    ),
  );
}

/** The newest purchase workflow executions, each with its path through the state machine. */
export class ExecutionsPanel implements Panel {
  readonly #body: HTMLElement;

  constructor(section: HTMLElement) {
    this.#body = body(section);
  }

  async refresh(): Promise<void> {
    const answer = await call<ExecutionOutcome[]>('/_local/executions');
    if (answer.kind !== 'ok') {
      redraw(this.#body, answer.kind, () => [notice(answer)]);
      return;
    }
    const all = answer.body;
    const recent = all.slice(-RECENT).reverse();
    redraw(this.#body, `${all.length}:${all.at(-1)?.executionArn ?? ''}`, () =>
      recent.length === 0
        ? [h('p', { class: 'notice' }, 'No executions yet.')]
        : [
            h(
              'p',
              { class: 'summary' },
              `${all.length} execution(s); the newest ${recent.length}:`,
            ),
            h(
              'ul',
              { class: 'executions' },
              recent.map((execution) =>
                h(
                  'li',
                  { class: 'execution' },
                  h(
                    'p',
                    { class: 'execution-head' },
                    h(
                      'span',
                      { class: `badge status-${execution.status.toLowerCase()}` },
                      execution.status,
                    ),
                    ' ',
                    h('code', {}, execution.name),
                    ` started ${instant(execution.startedAt)}`,
                    execution.error !== undefined &&
                      ` (${execution.error}: ${execution.cause ?? ''})`,
                  ),
                  drawPath(execution),
                ),
              ),
            ),
          ],
    );
  }
}

/** One message of the outbox: an email's HTML in a sandboxed frame, else its text. */
function drawMessage(message: OutboxMessage): HTMLElement {
  const title =
    message.channel === 'EMAIL'
      ? (message.subject ?? '(no subject)')
      : `Text message to ${message.to}`;
  let content: HTMLElement;
  if (message.channel === 'EMAIL' && typeof message.html === 'string' && message.html !== '') {
    // No allow-* token: the email's HTML runs no script, submits nothing and cannot reach the page.
    content = h('iframe', {
      class: 'email-html',
      sandbox: '',
      srcdoc: message.html,
      title: `Email: ${title}`,
    });
  } else {
    content = h('pre', { class: 'message-text' }, message.body);
  }
  return h(
    'li',
    { class: `message channel-${message.channel.toLowerCase()}` },
    h('h3', {}, title),
    h(
      'p',
      { class: 'message-meta' },
      `${message.channel} to ${message.to}, ${instant(message.sentAt)}`,
      message.event !== null && `, ${message.event}`,
      message.planId !== null && `, plan ${message.planId}`,
    ),
    content,
  );
}

/** The emails and text messages sent, newest first. */
export class OutboxPanel implements Panel {
  readonly #body: HTMLElement;

  constructor(section: HTMLElement) {
    this.#body = body(section);
  }

  async refresh(): Promise<void> {
    const answer = await call<OutboxMessage[]>('/_local/outbox');
    if (answer.kind !== 'ok') {
      redraw(this.#body, answer.kind, () => [notice(answer)]);
      return;
    }
    const all = answer.body;
    const recent = all.slice(-RECENT).reverse();
    redraw(
      this.#body,
      `${all.length}:${all.at(-1)?.messageId ?? ''}:${all.at(-1)?.to ?? ''}`,
      () =>
        recent.length === 0
          ? [h('p', { class: 'notice' }, 'Nothing sent yet.')]
          : [
              h(
                'p',
                { class: 'summary' },
                `${all.length} message(s); the newest ${recent.length}:`,
              ),
              h('ul', { class: 'messages' }, recent.map(drawMessage)),
            ],
    );
  }
}

/** One destination of dead letters on the page; `queue`: the queue key a redrive names. */
interface DeadLetterSection {
  readonly title: string;
  readonly queue: string | undefined;
  readonly entries: readonly unknown[];
}

/**
 * The sections of `GET /_local/dead-letters`: one per dead-letter queue of its `queues` (each
 * with a redrive button), then its other destinations, those that are one of those queues
 * (`knownQueues`) left out.
 */
function deadLetterSections(
  answer: Record<string, unknown>,
  knownQueues: Readonly<Record<string, string>>,
): DeadLetterSection[] {
  const list = (held: unknown) => (Array.isArray(held) ? (held as unknown[]) : [held]);
  const { queues, ...others } = answer;
  const byQueue =
    queues !== null && typeof queues === 'object' && !Array.isArray(queues)
      ? (queues as Record<string, unknown>)
      : {};
  const sections: DeadLetterSection[] = Object.entries(byQueue).map(([queue, held]) => ({
    title: queue,
    queue,
    entries: list(held),
  }));
  for (const [section, held] of Object.entries(others)) {
    const queue = knownQueues[section];
    if (queue !== undefined && queue in byQueue) continue;
    sections.push({
      title: queue === undefined ? section : `${section} (${queue})`,
      queue,
      entries: list(held),
    });
  }
  return sections;
}

/** The redrive endpoint's answer. */
interface RedriveAnswer {
  readonly queue: string;
  readonly moved: number;
}

/** What each dead-letter destination holds, with a redrive button per dead-letter queue. */
export class DeadLettersPanel implements Panel {
  readonly #state: ConsoleState;
  readonly #body: HTMLElement;
  readonly #onRedriven: () => Promise<void>;
  /** The last redrive's outcome per queue, kept across redraws. */
  readonly #outcomes = new Map<string, string>();

  constructor(state: ConsoleState, section: HTMLElement, onRedriven: () => Promise<void>) {
    this.#state = state;
    this.#body = body(section);
    this.#onRedriven = onRedriven;
  }

  async refresh(): Promise<void> {
    const answer = await call<Record<string, unknown>>('/_local/dead-letters');
    if (answer.kind !== 'ok') {
      redraw(this.#body, answer.kind, () => [notice(answer)]);
      return;
    }
    const sections = deadLetterSections(answer.body, this.#state.catalog?.deadLetterQueues ?? {});
    redraw(this.#body, JSON.stringify([sections, [...this.#outcomes]]), () =>
      sections.map((each) => this.#drawSection(each)),
    );
  }

  #drawSection({ title, queue, entries }: DeadLetterSection): HTMLElement {
    const outcome = queue === undefined ? undefined : this.#outcomes.get(queue);
    let button: HTMLButtonElement | false = false;
    if (queue !== undefined) {
      button = h('button', { type: 'button', class: 'redrive' }, `Redrive ${queue}`);
      const pressed = button;
      button.addEventListener('click', () => void this.#redrive(queue, pressed));
    }
    return h(
      'article',
      { class: 'dead-letters' },
      h('h3', {}, `${title}: ${entries.length}`),
      button,
      outcome !== undefined && h('p', { class: 'redrive-outcome', role: 'status' }, outcome),
      entries.length > 0 &&
        h(
          'details',
          {},
          h('summary', {}, `${entries.length} held`),
          h('pre', {}, JSON.stringify(entries.slice(0, RECENT), null, 2)),
        ),
    );
  }

  async #redrive(queue: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const answer = await call<RedriveAnswer>('/_local/dead-letters/redrive', { queue });
    this.#outcomes.set(
      queue,
      answer.kind === 'ok'
        ? `Moved ${answer.body.moved} message(s) from ${answer.body.queue} back into the flow.`
        : answer.kind === 'missing'
          ? 'Redrive is not available on this local stack.'
          : `Not redriven: ${answer.message}`,
    );
    button.disabled = false;
    await this.#onRedriven();
  }
}
