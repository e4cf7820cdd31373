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
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { ExecutionOutcome } from '#local/services/stepfunctions.ts';
import type { LocalStack } from '#local/stack.ts';
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

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe('discovery', () => {
  it('prints', async () => {
    const executions = await getJson<ExecutionOutcome[]>('/_local/executions');
    console.log(JSON.stringify(executions.map((e) => [e.name, e.status, e.states, e.path])));
    const outbox = await getJson<OutboxMessage[]>('/_local/outbox');
    console.log(JSON.stringify(outbox.map((m) => [m.channel, m.event, m.subject, m.planId === planId])));
    console.log(JSON.stringify(await getJson('/_local/dead-letters')));
  });
});

void readFile;
void packageFile;
void existsSync;
void chromium;
export type { Browser, BrowserContext, Page };
