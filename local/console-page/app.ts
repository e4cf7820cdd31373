/**
 * The local console's script (served bundled as `/console/app.js`, see `local/console.ts`): wires
 * the panels to the page and refreshes them every two seconds, and at once after the clock moved
 * or a dead-letter queue was redriven.
 */
import type { ConsoleCatalog } from '#local/console.ts';
import { DashboardsPanel } from './dashboards.ts';
import { call } from './dom.ts';
import {
  AlarmsPanel,
  ClockPanel,
  DeadLettersPanel,
  ExecutionsPanel,
  OutboxPanel,
  type Panel,
} from './panels.ts';
import type { ConsoleState } from './state.ts';

const REFRESH_MS = 2000;

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

const state: ConsoleState = {};
let running: Promise<void> | undefined;
let again = false;

/**
 * One refresh of every panel. The catalog, the clock and the alarms come first: the dashboards
 * draw thresholds and alarm states from them and query up to the clock's time.
 */
async function refreshOnce(): Promise<void> {
  if (state.catalog === undefined) {
    const catalog = await call<ConsoleCatalog>('/console/catalog');
    if (catalog.kind === 'ok') state.catalog = catalog.body;
  }
  await Promise.all([clock.refresh(), alarms.refresh()]);
  await Promise.all(rest.map((panel) => panel.refresh()));
}

/**
 * Refreshes every panel; never two refreshes at once. Asked while one runs, it runs once more
 * after it (what changed meanwhile, a clock advance, must be shown).
 */
function refreshAll(): Promise<void> {
  if (running !== undefined) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      await refreshOnce();
    } while (again);
    running = undefined;
  })();
  return running;
}

const clock = new ClockPanel(state, element('clock'), refreshAll);
const alarms = new AlarmsPanel(state, element('alarms'));
const rest: readonly Panel[] = [
  new DashboardsPanel(state, element('dashboard-tabs'), element('dashboard-panel')),
  new ExecutionsPanel(element('executions')),
  new OutboxPanel(element('outbox')),
  new DeadLettersPanel(state, element('dead-letters'), refreshAll),
];

void refreshAll();
setInterval(() => {
  if (running === undefined) void refreshAll();
}, REFRESH_MS);
