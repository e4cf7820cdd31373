/**
 * The dashboards panel: a tab per dashboard of `GET /_local/dashboards` (the definitions the
 * deploy renders to CloudWatch), each widget drawn as the deployed one is: graphs with uPlot (an
 * alarm's threshold as a dashed line), numbers, alarm states and text. The series come from
 * `POST /_local/metrics/query`, over a window that ends at the local clock's time.
 */
import type { AlarmDefinition } from '#shared/monitoring/alarms.ts';
import type {
  AlarmsWidget,
  DashboardDefinition,
  GraphWidget,
  NumberWidget,
  Widget,
} from '#shared/monitoring/dashboards.ts';
import type { Series } from '#shared/monitoring/metrics.ts';
import { call, formatNumber, h, notice, redraw, type Answer } from './dom.ts';
import type { AlarmState, ConsoleState } from './state.ts';

/** `POST /_local/metrics/query`'s answer: one value per series per timestamp, null for none. */
interface MetricsAnswer {
  readonly start: string;
  readonly end: string;
  readonly periodSeconds: number;
  readonly timestamps: readonly string[];
  readonly values: readonly (readonly (number | null)[])[];
}

const HOUR = 3600;
/** A graph shows 60 of its periods, but at least 3 hours and at most 3 days. */
const GRAPH_POINTS = 60;
const GRAPH_MIN_SECONDS = 3 * HOUR;
const GRAPH_MAX_SECONDS = 72 * HOUR;
const CHART_HEIGHT = 220;
const PALETTE = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#4e342e'];
const THRESHOLD_COLOR = '#c62828';

/** How a series is named on a graph: its label, else its metric's name. */
export function seriesLabel(series: Series): string {
  return series.kind === 'percentage' ? series.label : (series.metric.label ?? series.metric.name);
}

function stateBadge(state: AlarmState | undefined): HTMLElement {
  const text = state ?? 'UNKNOWN';
  return h('span', { class: `badge state-${text.toLowerCase()}` }, text);
}

/** Markdown as text, with its links clickable (the runbook's address). */
function textWithLinks(markdown: string): (Node | string)[] {
  return markdown
    .split(/(https?:\/\/[^\s)]+)/)
    .map((part, index) => (index % 2 === 1 ? h('a', { href: part }, part) : part));
}

interface DrawnGraph {
  readonly widget: GraphWidget;
  readonly container: HTMLElement;
  readonly status: HTMLElement;
  chart?: uPlot;
}

interface DrawnNumber {
  readonly widget: NumberWidget;
  readonly list: HTMLElement;
}

interface DrawnAlarms {
  readonly widget: AlarmsWidget;
  readonly list: HTMLElement;
}

/** The dashboards panel; `refresh` is called by the page's timer and after the clock moves. */
export class DashboardsPanel {
  readonly #state: ConsoleState;
  readonly #tabs: HTMLElement;
  readonly #panel: HTMLElement;
  #dashboards: readonly DashboardDefinition[] | undefined;
  #selected = 0;
  #graphs: DrawnGraph[] = [];
  #numbers: DrawnNumber[] = [];
  #alarms: DrawnAlarms[] = [];

  constructor(state: ConsoleState, tabs: HTMLElement, panel: HTMLElement) {
    this.#state = state;
    this.#tabs = tabs;
    this.#panel = panel;
    window.addEventListener('resize', () => {
      for (const graph of this.#graphs) graph.chart?.setSize(this.#chartSize(graph.container));
    });
  }

  async refresh(): Promise<void> {
    if (this.#dashboards === undefined) {
      // The definitions do not change while the stack runs: read once, retried until they come.
      const answer = await call<{ dashboards: DashboardDefinition[] }>('/_local/dashboards');
      if (answer.kind !== 'ok') {
        redraw(this.#panel, `${answer.kind}`, () => [notice(answer)]);
        return;
      }
      this.#dashboards = answer.body.dashboards;
      this.#drawTabs();
      this.#select(0, false);
    }
    this.#drawAlarmStates();
    await Promise.all([
      ...this.#graphs.map((graph) => this.#refreshGraph(graph)),
      ...this.#numbers.map((number) => this.#refreshNumber(number)),
    ]);
  }

  #drawTabs(): void {
    const dashboards = this.#dashboards ?? [];
    this.#tabs.replaceChildren(
      ...dashboards.map((dashboard, index) => {
        const tab = h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `dashboard-tab-${dashboard.key}`,
            'aria-controls': 'dashboard-panel',
            'aria-selected': 'false',
            tabindex: '-1',
            title: dashboard.name,
          },
          dashboard.key,
        );
        tab.addEventListener('click', () => this.#select(index, true));
        tab.addEventListener('keydown', (event) => {
          const moves: Record<string, number> = {
            ArrowRight: index + 1,
            ArrowLeft: index - 1,
            Home: 0,
            End: dashboards.length - 1,
          };
          const next = moves[event.key];
          if (next === undefined) return;
          event.preventDefault();
          this.#select((next + dashboards.length) % dashboards.length, true);
          (this.#tabs.children[this.#selected] as HTMLElement | undefined)?.focus();
        });
        return tab;
      }),
    );
  }

  #select(index: number, refresh: boolean): void {
    const dashboard = this.#dashboards?.[index];
    if (dashboard === undefined) return;
    this.#selected = index;
    for (const [position, tab] of [...this.#tabs.children].entries()) {
      tab.setAttribute('aria-selected', String(position === index));
      tab.setAttribute('tabindex', position === index ? '0' : '-1');
    }
    this.#panel.setAttribute('aria-labelledby', `dashboard-tab-${dashboard.key}`);
    for (const graph of this.#graphs) graph.chart?.destroy();
    this.#graphs = [];
    this.#numbers = [];
    this.#alarms = [];
    const widgets = dashboard.widgets.map((widget) => this.#drawWidget(widget));
    this.#panel.replaceChildren(
      h('h3', { class: 'dashboard-title' }, dashboard.title),
      h('p', { class: 'dashboard-name' }, `CloudWatch dashboard ${dashboard.name}`),
      h('div', { class: 'widgets' }, widgets),
    );
    if (refresh) void this.refresh();
  }

  #drawWidget(widget: Widget): HTMLElement {
    switch (widget.kind) {
      case 'text':
        return h(
          'article',
          { class: 'widget widget-text' },
          h('p', {}, textWithLinks(widget.markdown)),
        );
      case 'alarms': {
        const list = h('ul', { class: 'alarm-states' });
        this.#alarms.push({ widget, list });
        return h('article', { class: 'widget widget-alarms' }, h('h4', {}, widget.title), list);
      }
      case 'number': {
        const list = h('dl', { class: 'numbers' });
        this.#numbers.push({ widget, list });
        return h('article', { class: 'widget widget-number' }, h('h4', {}, widget.title), list);
      }
      case 'graph': {
        const container = h('div', { class: 'chart' });
        const status = h('p', { class: 'chart-status' });
        this.#graphs.push({ widget, container, status });
        const alarm = widget.alarm === undefined ? undefined : this.#alarm(widget.alarm);
        return h(
          'article',
          { class: 'widget widget-graph' },
          h('h4', {}, widget.title),
          alarm !== undefined && h('p', { class: 'widget-alarm' }, `Alarm ${alarm.name}`),
          container,
          status,
        );
      }
    }
  }

  #alarm(key: string): AlarmDefinition | undefined {
    return this.#state.catalog?.alarms.find((alarm) => alarm.key === key);
  }

  /** A widget's alarm keys as the alarms endpoint names them (`<prefix>-<key>`). */
  #alarmName(key: string): string {
    const known = this.#alarm(key)?.name;
    if (known !== undefined) return known;
    const dashboard = this.#dashboards?.[this.#selected];
    const prefix = dashboard?.name.slice(0, -dashboard.key.length - 1) ?? '';
    return `${prefix}-${key}`;
  }

  #drawAlarmStates(): void {
    const states = new Map((this.#state.alarms ?? []).map((alarm) => [alarm.name, alarm]));
    for (const { widget, list } of this.#alarms) {
      const rows = widget.alarms.map((key) => {
        const name = this.#alarmName(key);
        return { name, state: states.get(name)?.state };
      });
      redraw(list, JSON.stringify([this.#state.alarms === undefined, rows]), () =>
        rows.length === 0
          ? [h('li', {}, 'No alarms.')]
          : rows.map((row) =>
              h('li', { class: 'alarm-state' }, stateBadge(row.state), ' ', row.name),
            ),
      );
    }
  }

  /** The window a widget's query covers, ending at the local clock's time when it is known. */
  #window(widget: GraphWidget | NumberWidget): { start?: string; end?: string } {
    const now = this.#state.now;
    if (now === undefined) return {};
    const seconds =
      widget.kind === 'number'
        ? widget.periodSeconds
        : Math.min(
            GRAPH_MAX_SECONDS,
            Math.max(GRAPH_MIN_SECONDS, widget.periodSeconds * GRAPH_POINTS),
          );
    const end = Date.parse(now);
    return {
      start: new Date(end - seconds * 1000).toISOString(),
      end: new Date(end).toISOString(),
    };
  }

  #query(widget: GraphWidget | NumberWidget): Promise<Answer<MetricsAnswer>> {
    return call<MetricsAnswer>('/_local/metrics/query', {
      series: widget.series,
      periodSeconds: widget.periodSeconds,
      ...this.#window(widget),
    });
  }

  async #refreshNumber(drawn: DrawnNumber): Promise<void> {
    const answer = await this.#query(drawn.widget);
    if (answer.kind !== 'ok') {
      redraw(drawn.list, answer.kind, () => [h('dd', {}, notice(answer))]);
      return;
    }
    const latest = drawn.widget.series.map((series, index) => {
      const values = answer.body.values[index] ?? [];
      const value = values.findLast((each) => each !== null) ?? null;
      return [seriesLabel(series), formatNumber(value)] as const;
    });
    redraw(drawn.list, JSON.stringify(latest), () =>
      latest.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]),
    );
  }

  #chartSize(container: HTMLElement): { width: number; height: number } {
    return { width: Math.max(280, container.clientWidth), height: CHART_HEIGHT };
  }

  async #refreshGraph(drawn: DrawnGraph): Promise<void> {
    const answer = await this.#query(drawn.widget);
    if (answer.kind !== 'ok') {
      drawn.chart?.destroy();
      delete drawn.chart;
      redraw(drawn.container, answer.kind, () => [notice(answer)]);
      return;
    }
    const { timestamps, values } = answer.body;
    const alarm = drawn.widget.alarm === undefined ? undefined : this.#alarm(drawn.widget.alarm);
    const threshold = alarm?.kind === 'metric' ? alarm.threshold : undefined;
    const xs = timestamps.map((timestamp) => Date.parse(timestamp) / 1000);
    const data: uPlot.AlignedData = [
      xs,
      ...drawn.widget.series.map((_, index) => [...(values[index] ?? xs.map(() => null))]),
      ...(threshold === undefined ? [] : [xs.map(() => threshold)]),
    ];
    drawn.status.textContent =
      xs.length === 0 ? 'No data points in this window yet.' : `${xs.length} periods`;
    if (drawn.chart !== undefined) {
      drawn.chart.setData(data);
      return;
    }
    drawn.container.replaceChildren();
    drawn.chart = new uPlot(
      {
        ...this.#chartSize(drawn.container),
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
        scales: { x: { time: true } },
        series: [
          { label: 'time (UTC)' },
          ...drawn.widget.series.map((series, index) => ({
            label: seriesLabel(series),
            stroke: PALETTE[index % PALETTE.length] ?? 'black',
            width: 1.5,
          })),
          ...(threshold === undefined
            ? []
            : [
                {
                  label: `alarm threshold (${formatNumber(threshold)})`,
                  stroke: THRESHOLD_COLOR,
                  dash: [6, 4],
                  width: 1,
                  points: { show: false },
                },
              ]),
        ],
      },
      data,
      drawn.container,
    );
  }
}
