/**
 * The local console on `GET /`, in a real browser (Debian's headless Chromium) that may reach
 * nothing but the local stack: after a plan and a purchase, it shows the execution's path
 * through the state machine, the purchase email rendered, the clock (and moves it from its
 * form), the dashboards drawn with uPlot, the alarms, and the dead letters with their redrive
 * buttons. A panel whose endpoint answers 404 says so and the others keep working.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { ConsoleCatalog } from '#local/console.ts';
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { ExecutionOutcome } from '#local/services/stepfunctions.ts';
import type { LocalStack } from '#local/stack.ts';
import type { AlarmDefinition } from '#shared/monitoring/alarms.ts';
import type { DashboardDefinition, GraphWidget } from '#shared/monitoring/dashboards.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const require = createRequire(import.meta.url);

function packageFile(packageName: string, file: string): string {
  return join(dirname(require.resolve(`${packageName}/package.json`)), file);
}

let stack: LocalStack;
let planId: string;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-09-01T00:00:00Z')) });
  const paula = await signIn(stack, 'paula');
  [planId = ''] = await createDailyPlans(paula, 1, {
    amount: '25.00',
    currency: 'EUR',
    timeOfDay: '08:00',
    timezone: 'UTC',
    startDate: '2027-09-02',
    endDate: '2027-09-02',
  });
  await stack.settle();
  await stack.advanceTo(Date.parse('2027-09-02T09:00:00Z'));
});

afterAll(async () => {
  await stack.stop();
});

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** The path of a purchase that filled, through `statemachines/purchase.asl.json`. */
const PURCHASED_PATH = [
  'ClaimSlot',
  'LoadPlan',
  'Decide',
  'BuyOrSkip',
  'ExecutionMode',
  'PerSlotOrBlock',
  'PlaceOrder',
  'OrderOutcome',
  'FilledNote',
  'RecordPurchase',
  'PublishSucceeded',
  'Purchased',
];

/** How many of the newest executions and messages the page shows. */
const RECENT = 15;

/** How long the page may take to show something: its refresh timer runs every 2 s. */
const WAIT = { timeout: 15_000 };

describe('GET /_local/executions', () => {
  it('gives each execution the path it took: the states it entered, in order', async () => {
    const executions = await getJson<ExecutionOutcome[]>('/_local/executions');
    expect(executions.map((execution) => [execution.status, execution.path])).toEqual([
      ['SUCCEEDED', PURCHASED_PATH],
    ]);
  });
});

describe('the console assets', () => {
  it('serves uPlot byte for byte from the npm dependency, and the page and its own script', async () => {
    const served = [];
    for (const [name, file] of [
      ['uPlot.iife.min.js', 'dist/uPlot.iife.min.js'],
      ['uPlot.min.css', 'dist/uPlot.min.css'],
    ] as const) {
      const response = await fetch(`${stack.url}/console/assets/${name}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      served.push({
        name,
        status: response.status,
        contentType: response.headers.get('content-type'),
        nosniff: response.headers.get('x-content-type-options'),
        sameAsPackage: bytes.equals(await readFile(packageFile('uplot', file))),
      });
    }
    const own = [];
    for (const path of ['/', '/console/app.js', '/console/console.css']) {
      const response = await fetch(`${stack.url}${path}`);
      own.push([path, response.status, response.headers.get('content-type')]);
    }
    expect({ served, own }).toEqual({
      served: [
        {
          name: 'uPlot.iife.min.js',
          status: 200,
          contentType: 'text/javascript; charset=utf-8',
          nosniff: 'nosniff',
          sameAsPackage: true,
        },
        {
          name: 'uPlot.min.css',
          status: 200,
          contentType: 'text/css; charset=utf-8',
          nosniff: 'nosniff',
          sameAsPackage: true,
        },
      ],
      own: [
        ['/', 200, 'text/html; charset=utf-8'],
        ['/console/app.js', 200, 'text/javascript; charset=utf-8'],
        ['/console/console.css', 200, 'text/css; charset=utf-8'],
      ],
    });
  });

  it('serves no other file under /console/assets, however the path is spelled', async () => {
    const statuses = [];
    for (const path of [
      '/console/assets/uPlot.js',
      '/console/assets/uPlot.esm.js',
      '/console/assets/package.json',
      '/console/assets/..%2F..%2Fpackage.json',
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/uplot/dist/uPlot.iife.js',
      '/console/assets/',
      '/console/app.ts',
    ]) {
      statuses.push([path, (await fetch(`${stack.url}${path}`)).status]);
    }
    expect(statuses).toEqual([
      ['/console/assets/uPlot.js', 404],
      ['/console/assets/uPlot.esm.js', 404],
      ['/console/assets/package.json', 404],
      ['/console/assets/..%2F..%2Fpackage.json', 404],
      ['/console/assets/%2e%2e/%2e%2e/package.json', 404],
      ['/console/assets/uplot/dist/uPlot.iife.js', 404],
      ['/console/assets/', 404],
      ['/console/app.ts', 404],
    ]);
  });
});

/**
 * Launches the browser. A missing Chromium fails the test that needs it (rather than skipping
 * it), saying how to install it.
 */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: the console's browser test needs Debian's headless Chromium. ` +
        'Install it with `sudo apt-get install -y chromium` (.ci/run does this), ' +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** What went wrong in a browser context: requests it could not make or that failed, page errors. */
interface Trouble {
  /** Requests to anything but the local stack (aborted: no internet). */
  readonly blocked: string[];
  /** Requests that failed or were answered with an error status, as `STATUS path`. */
  readonly failed: string[];
  /** Uncaught errors and console errors of the page. */
  readonly errors: string[];
}

/** A context that may reach only the local stack, and a page in it that records its trouble. */
async function openConsole(
  browser: Browser,
  prepare: (context: BrowserContext) => Promise<void> = async () => undefined,
): Promise<{ context: BrowserContext; page: Page; trouble: Trouble }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const trouble: Trouble = { blocked: [], failed: [], errors: [] };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(`${stack.url}/`)) return route.fallback();
    trouble.blocked.push(url);
    return route.abort('internetdisconnected');
  });
  await prepare(context);
  const page = await context.newPage();
  const path = (url: string) => url.slice(stack.url.length);
  page.on('pageerror', (error) => trouble.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs every 404 answer as a console error; those are counted under `failed`.
    const url = message.location().url;
    if (message.text().includes('404') && url.startsWith(stack.url)) return;
    trouble.errors.push(message.text());
  });
  page.on('requestfailed', (request) => {
    if (!request.url().startsWith(stack.url)) return;
    trouble.failed.push(`${request.failure()?.errorText ?? 'failed'} ${path(request.url())}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      trouble.failed.push(`${response.status()} ${path(response.url())}`);
  });
  return { context, page, trouble };
}

/** What the page drew for each dashboard, one tab after the other. */
async function drawnDashboards(page: Page, dashboards: readonly DashboardDefinition[]) {
  const tabs = page.getByRole('tab');
  await expect
    .poll(() => tabs.allTextContents(), WAIT)
    .toEqual(dashboards.map((dashboard) => dashboard.key));
  const drawn = [];
  for (const [index, dashboard] of dashboards.entries()) {
    await tabs.nth(index).click();
    const graphs = dashboard.widgets.filter((widget) => widget.kind === 'graph');
    const panel = page.getByRole('tabpanel');
    await expect
      .poll(() => panel.locator('.widget-graph canvas').count(), WAIT)
      .toBe(graphs.length);
    const legends = [];
    for (const chart of await panel.locator('.widget-graph').all()) {
      legends.push(await chart.locator('.u-legend .u-series .u-label').allTextContents());
    }
    drawn.push({
      selected: await tabs.nth(index).getAttribute('aria-selected'),
      title: await panel.locator('h3').first().textContent(),
      legends,
    });
  }
  return drawn;
}

/**
 * What each dashboard must look like: its tab selected, its title, and a chart per graph whose
 * legend names the time, each series, and the alarm's threshold when the graph has an alarm.
 */
function expectedDashboards(
  dashboards: readonly DashboardDefinition[],
  alarms: readonly AlarmDefinition[],
) {
  const shown = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });
  const threshold = (key: string | undefined) => {
    const alarm = alarms.find((each) => each.key === key);
    return alarm?.kind === 'metric' ? [`alarm threshold (${shown.format(alarm.threshold)})`] : [];
  };
  return dashboards.map((dashboard) => ({
    selected: 'true',
    title: dashboard.title,
    legends: dashboard.widgets
      .filter((widget): widget is GraphWidget => widget.kind === 'graph')
      .map((widget) => [
        'time (UTC)',
        ...widget.series.map((series) =>
          series.kind === 'percentage' ? series.label : (series.metric.label ?? series.metric.name),
        ),
        ...threshold(widget.alarm),
      ]),
  }));
}

/** The distinct entries of a list, in first-seen order. */
function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

describe('the console in a browser without internet', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the purchase path, the email, the clock (and moves it), dashboards, alarms and dead letters', async () => {
    const [purchase] = await getJson<ExecutionOutcome[]>('/_local/executions');
    const email = (await getJson<OutboxMessage[]>('/_local/outbox')).find(
      (message) => message.event === 'PURCHASE_SUCCEEDED' && message.planId === planId,
    );
    const { page, context, trouble } = await openConsole(browser as Browser);
    await page.goto(`${stack.url}/`);

    expect(await page.locator('h1, h2').allTextContents()).toEqual([
      'Savings Plan Buy: local console',
      'Clock',
      'Dashboards',
      'Alarms',
      'Recent executions',
      'Outbox',
      'Dead letters',
    ]);

    // The execution's path, drawn as the states it entered.
    const execution = page.locator('#executions li.execution', {
      has: page.locator('code', { hasText: purchase?.name ?? '?' }),
    });
    await expect
      .poll(() => execution.locator('ol.path > li').allTextContents(), {
        ...WAIT,
        message: 'the executions panel draws the path',
      })
      .toEqual(PURCHASED_PATH);
    expect(await execution.locator('.badge').textContent()).toBe('SUCCEEDED');

    // The purchase email, its HTML in a frame that runs nothing.
    const purchaseFrame = page.locator(`#outbox iframe[title="Email: ${email?.subject ?? '?'}"]`);
    await expect
      .poll(() => purchaseFrame.count(), { ...WAIT, message: 'the outbox shows the email' })
      .toBe(1);
    expect(await purchaseFrame.getAttribute('sandbox')).toBe('');
    expect(await purchaseFrame.getAttribute('srcdoc')).toBe(email?.html);
    const shown = await page
      .frameLocator(`#outbox iframe[title="Email: ${email?.subject ?? '?'}"]`)
      .locator('body')
      .innerText();
    expect(shown).toContain('25.00 EUR');
    // The newest messages first (an alert may have joined them: the page catches up).
    const newest = (await getJson<OutboxMessage[]>('/_local/outbox'))
      .slice(-RECENT)
      .reverse()
      .map((message) => message.subject ?? `Text message to ${message.to}`);
    await expect
      .poll(() => page.locator('#outbox li.message h3').allTextContents(), WAIT)
      .toEqual(newest);

    // The clock (it runs with wall time), moved from its form and from the +1 hour button.
    await expect
      .poll(() => page.locator('#clock-now').textContent(), WAIT)
      .toMatch(/^2027-09-02T09:0\d:\d\dZ$/);
    await page.getByLabel('Advance the clock to').fill('2027-09-03T00:00:00Z');
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    // The clock moves first, then the stack settles what fired; the status tells when it is done.
    await expect
      .poll(() => page.locator('#clock-status').textContent(), WAIT)
      .toMatch(/^Advanced to 2027-09-03T00:00:\d\dZ: \d+ firing\(s\)\.$/);
    await expect
      .poll(() => page.locator('#clock-now').textContent(), WAIT)
      .toMatch(/^2027-09-03T00:00:\d\dZ$/);
    await page.getByRole('button', { name: '+1 hour' }).click();
    await expect
      .poll(() => page.locator('#clock-status').textContent(), WAIT)
      .toMatch(/^Advanced to 2027-09-03T01:00:\d\dZ: \d+ firing\(s\)\.$/);
    await expect
      .poll(() => page.locator('#clock-now').textContent(), WAIT)
      .toMatch(/^2027-09-03T01:00:\d\dZ$/);
    expect(await getJson('/_local/clock')).toEqual({
      now: expect.stringMatching(/^2027-09-03T01:00:\d\d\.\d{3}Z$/),
    });

    // The dashboards, as the stack defines them, drawn with its metrics; the alarms and states.
    const { dashboards } = await getJson<{ dashboards: DashboardDefinition[] }>(
      '/_local/dashboards',
    );
    const { alarms } = await getJson<ConsoleCatalog>('/console/catalog');
    expect(await drawnDashboards(page, dashboards)).toEqual(expectedDashboards(dashboards, alarms));
    const states = await getJson<{ alarms: { name: string; state: string }[] }>('/_local/alarms');
    await expect
      .poll(async () => (await page.locator('#alarms tbody th').allTextContents()).sort(), WAIT)
      .toEqual(states.alarms.map((alarm) => alarm.name).sort());
    expect(states.alarms.map((alarm) => alarm.name)).toEqual(alarms.map((alarm) => alarm.name));

    // Dead letters: a section per dead-letter queue with its redrive button, then the streams'.
    const queues = Object.keys(
      (await getJson<{ queues: Record<string, unknown[]> }>('/_local/dead-letters')).queues,
    );
    await expect
      .poll(() => page.locator('#dead-letters h3').allTextContents(), WAIT)
      .toEqual([...queues.map((queue) => `${queue}: 0`), 'streams: 0']);
    expect(await page.locator('#dead-letters button').allTextContents()).toEqual(
      queues.map((queue) => `Redrive ${queue}`),
    );
    await page.getByRole('button', { name: 'Redrive notifications-dlq' }).click();
    await expect
      .poll(() => page.locator('#dead-letters .redrive-outcome').textContent(), WAIT)
      .toBe('Moved 0 message(s) from notifications-dlq back into the flow.');

    await context.close();
    expect({ ...trouble, failed: distinct(trouble.failed) }).toEqual({
      blocked: [],
      failed: [],
      errors: [],
    });
  }, 120_000);

  it('draws a tab per dashboard, a uPlot chart per graph with its legend and threshold, and alarm states as the endpoints answer', async () => {
    // The stack's dashboards and alarm catalog; the series and the alarms' states are the
    // test's (three periods, one alarm in ALARM), so what the page draws is known exactly.
    const { alarms } = await getJson<ConsoleCatalog>('/console/catalog');
    const { dashboards } = await getJson<{ dashboards: DashboardDefinition[] }>(
      '/_local/dashboards',
    );
    const inAlarm = alarms.find((alarm) => alarm.kind === 'composite');
    const queried: number[] = [];
    const { page, context, trouble } = await openConsole(browser as Browser, async (each) => {
      await each.route(`${stack.url}/_local/metrics/query`, (route) => {
        const { series, periodSeconds } = route.request().postDataJSON() as {
          series: unknown[];
          periodSeconds: number;
        };
        queried.push(series.length);
        return route.fulfill({
          json: {
            start: '2027-09-03T00:00:00.000Z',
            end: '2027-09-03T00:15:00.000Z',
            periodSeconds,
            timestamps: [0, 1, 2].map((index) =>
              new Date(Date.parse('2027-09-03T00:00:00Z') + index * 300_000).toISOString(),
            ),
            values: series.map((_, index) => [index, index + 1, null]),
          },
        });
      });
      await each.route(`${stack.url}/_local/alarms`, (route) =>
        route.fulfill({
          json: {
            alarms: alarms.map((alarm) => ({
              name: alarm.name,
              state: alarm === inAlarm ? 'ALARM' : 'OK',
              reason: 'as the test says',
              since: '2027-09-03T00:00:00.000Z',
            })),
          },
        }),
      );
    });
    await page.goto(`${stack.url}/`);

    const tabs = page.getByRole('tab');
    expect(await drawnDashboards(page, dashboards)).toEqual(expectedDashboards(dashboards, alarms));

    // The overview's alarm widget shows each composite's state; the alarms panel lists them all.
    await tabs.first().click();
    await expect
      .poll(
        () =>
          page
            .getByRole('tabpanel')
            .locator('.widget-alarms')
            .first()
            .locator('li')
            .allTextContents(),
        WAIT,
      )
      .toEqual(
        alarms
          .filter((alarm) => alarm.kind === 'composite')
          .map((alarm) => `${alarm === inAlarm ? 'ALARM' : 'OK'} ${alarm.name}`),
      );
    await expect
      .poll(() => page.locator('#alarms tbody th').allTextContents(), WAIT)
      .toEqual([
        inAlarm?.name,
        ...alarms.filter((alarm) => alarm !== inAlarm).map((alarm) => alarm.name),
      ]);
    expect(await page.locator('#alarms .summary').textContent()).toBe(
      `1 in alarm, 0 with insufficient data, ${alarms.length - 1} OK.`,
    );
    expect(Math.min(...queried)).toBeGreaterThan(0);

    await context.close();
    expect({ ...trouble, failed: distinct(trouble.failed) }).toEqual({
      blocked: [],
      failed: [],
      errors: [],
    });
  }, 180_000);

  it('says "not available" in each panel whose endpoint answers 404, and the others keep working', async () => {
    const missing = ['/_local/dashboards', '/_local/alarms', '/_local/dead-letters/redrive'];
    const { page, context, trouble } = await openConsole(browser as Browser, async (each) => {
      for (const path of missing) {
        await each.route(`${stack.url}${path}`, (route) =>
          route.fulfill({ status: 404, json: { error: `no route for ${path}` } }),
        );
      }
    });
    await page.goto(`${stack.url}/`);
    const notAvailable = 'Not available: this local stack has no such endpoint.';
    await expect
      .poll(() => page.locator('#dashboard-panel').textContent(), WAIT)
      .toBe(notAvailable);
    await expect
      .poll(() => page.locator('#alarms .panel-body').textContent(), WAIT)
      .toBe(notAvailable);
    await page.getByRole('button', { name: 'Redrive purchase-retries-dlq' }).click();
    await expect
      .poll(() => page.locator('#dead-letters .redrive-outcome').textContent(), WAIT)
      .toBe('Redrive is not available on this local stack.');
    // The panels whose endpoints answer go on showing what they read.
    await expect
      .poll(() => page.locator('#executions ol.path').count(), WAIT)
      .toBe((await getJson<ExecutionOutcome[]>('/_local/executions')).length);
    expect(await page.locator('#outbox li.message').count()).toBe(
      (await getJson<OutboxMessage[]>('/_local/outbox')).length,
    );

    await context.close();
    expect({ ...trouble, failed: distinct(trouble.failed).sort() }).toEqual({
      blocked: [],
      failed: missing.map((path) => `404 ${path}`).sort(),
      errors: [],
    });
  }, 120_000);

  it('moves a dead-lettered slot back into the flow with the redrive button, and the slot is bought', async () => {
    const rita = await signIn(stack, 'rita');
    const [ritaPlan = ''] = await createDailyPlans(rita, 1, {
      amount: '10.00',
      currency: 'EUR',
      timeOfDay: '09:00',
      timezone: 'UTC',
      startDate: '2027-09-05',
      endDate: '2027-09-05',
    });
    await stack.settle();
    // The exchange is down and the dispatcher broken: the slot's retries end in the DLQ; the
    // completer is broken too, so only the redrive brings the slot back.
    await post('/_local/faults', {
      exchange: { down: true },
      failingFunctions: ['retry-dispatcher', 'completer'],
    });
    await stack.advanceTo(Date.parse('2027-09-05T11:30:00Z'));
    await post('/_local/faults', { failingFunctions: ['completer'] });
    const parked = (
      await getJson<{ queues: Record<string, { body: string }[]> }>('/_local/dead-letters')
    ).queues['purchase-retries-dlq'];
    expect(parked?.length).toBeGreaterThan(0);
    expect(parked?.every((message) => message.body.includes(ritaPlan))).toBe(true);

    const { page, context, trouble } = await openConsole(browser as Browser);
    await page.goto(`${stack.url}/`);
    const section = page.locator('#dead-letters article', {
      has: page.getByRole('heading', { name: /^purchase-retries-dlq: / }),
    });
    await expect
      .poll(() => section.getByRole('heading').textContent(), WAIT)
      .toBe(`purchase-retries-dlq: ${parked?.length}`);
    await section.getByRole('button', { name: 'Redrive purchase-retries-dlq' }).click();
    await expect
      .poll(() => page.locator('#dead-letters .redrive-outcome').textContent(), WAIT)
      .toBe(`Moved ${parked?.length} message(s) from purchase-retries-dlq back into the flow.`);
    await expect
      .poll(() => section.getByRole('heading').textContent(), WAIT)
      .toBe('purchase-retries-dlq: 0');

    // The clock moved from the page: the retry runs, the slot is bought, its path is drawn.
    await page.getByLabel('Advance the clock to').fill('2027-09-05T12:00:00Z');
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await expect
      .poll(() => page.locator('#clock-status').textContent(), WAIT)
      .toMatch(/^Advanced to 2027-09-05T12:00:0\dZ: /);
    const bought = (await getJson<ExecutionOutcome[]>('/_local/executions')).filter(
      (execution) =>
        JSON.stringify(execution.input).includes(ritaPlan) && execution.status === 'SUCCEEDED',
    );
    expect(bought.map((execution) => execution.path.at(-1))).toContain('Purchased');
    const purchase = bought.find((execution) => execution.path.at(-1) === 'Purchased');
    const drawn = page.locator('#executions li.execution', {
      has: page.locator('code', { hasText: purchase?.name ?? '?' }),
    });
    await expect
      .poll(() => drawn.locator('ol.path > li').allTextContents(), WAIT)
      .toEqual(purchase?.path);
    await post('/_local/faults', {});

    await context.close();
    expect({ ...trouble, failed: distinct(trouble.failed) }).toEqual({
      blocked: [],
      failed: [],
      errors: [],
    });
  }, 180_000);
});
