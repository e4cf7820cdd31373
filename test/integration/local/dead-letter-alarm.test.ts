/**
 * The whole loop an operator lives through, on the local stack: an injected fault dead-letters a
 * slot's retry message, the dead-letter queue's alarm (as deployed, from the same catalog) goes to
 * ALARM and its alert lands in the outbox; `npm run redrive -- --local` brings the message back,
 * the slot is bought exactly once, and the alarm returns to OK.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { ledger } from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

let stack: LocalStack;
let prefix: string;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-06-07T06:00:00Z')) });
  prefix = stack.settings.plansTable.replace(/-plans$/, '');
});

afterAll(async () => {
  await stack.stop();
});

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.status).toBe(200);
}

interface AlarmEntry {
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly since: string;
}

async function alarms(): Promise<AlarmEntry[]> {
  const response = await fetch(`${stack.url}/_local/alarms`);
  return ((await response.json()) as { alarms: AlarmEntry[] }).alarms;
}

async function alarm(key: string): Promise<AlarmEntry | undefined> {
  return (await alarms()).find((entry) => entry.name === `${prefix}-${key}`);
}

function alerts(name: string) {
  return stack.outbox
    .messages()
    .filter((message) => message.channel === 'EMAIL' && message.subject?.includes(`"${name}"`));
}

describe('a dead-lettered slot', () => {
  it('raises its queue alarm with an alert, comes back with npm run redrive -- --local, is bought once, and the alarm clears', async () => {
    const saver = await signIn(stack, 'dead-letter-alarm-saver');
    const created = await saver.data<{ createPlan: { id: string } }>(
      `mutation { createPlan(input: { amount: "25.00", currency: "EUR", schedule: { frequency: DAILY, timeOfDay: "09:00", timezone: "Europe/Berlin", endDate: "2027-06-07" } }) { id } }`,
    );
    const planId = created.createPlan.id;
    await stack.settle();
    const deadLetters = 'queue-purchase-retries-dlq-dead-letters';
    expect(await alarm(deadLetters)).toMatchObject({ state: 'OK' });

    // The exchange is down and the retry dispatcher broken: the slot's retries are dead-lettered.
    await post('/_local/faults', {
      exchange: { down: true },
      failingFunctions: ['retry-dispatcher', 'completer'],
    });
    await stack.advanceTo(Date.parse('2027-06-07T09:30:00Z'));
    const raised = await alarm(deadLetters);
    expect(raised).toMatchObject({ name: `${prefix}-${deadLetters}`, state: 'ALARM' });
    expect(raised?.reason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[\d/);
    const name = `${prefix}-${deadLetters}`;
    expect(alerts(name).map((message) => message.subject)).toEqual([
      `ALARM: "${name}" in EU (Frankfurt)`,
    ]);
    // Customers' money is affected: the composite says so too.
    expect(await alarm('purchases-at-risk')).toMatchObject({ state: 'ALARM' });
    expect(stack.exchange.state().orders).toEqual([]);

    // The operator fixes the dispatcher and redrives with the command, as the runbook says.
    await post('/_local/faults', {});
    const { stdout, stderr } = await run(
      process.execPath,
      ['scripts/redrive.ts', '--local', '--url', stack.url, '--queue', 'purchase-retries-dlq'],
      { cwd: ROOT },
    );
    expect(stderr).toContain(`redriving purchase-retries-dlq of ${prefix}`);
    expect(stdout).toMatch(/moved/);

    await stack.advanceTo(Date.parse('2027-06-07T10:00:00Z'));
    const [bought] = (await ledger(stack)).filter((item) => item.planId === planId);
    expect(bought?.status).toBe('FILLED');
    expect(
      stack.exchange
        .state()
        .orders.filter((order) => order.clientOrderId === bought?.clientOrderId),
    ).toHaveLength(1);

    const cleared = await alarm(deadLetters);
    expect(cleared?.state).toBe('OK');
    expect(Date.parse(cleared?.since ?? '')).toBeGreaterThan(Date.parse(raised?.since ?? ''));
    expect(alerts(name).map((message) => message.subject)).toEqual([
      `ALARM: "${name}" in EU (Frankfurt)`,
      `OK: "${name}" in EU (Frankfurt)`,
    ]);
  });
});
