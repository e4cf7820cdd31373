/**
 * Issue 5 as a new user tries it, on one local stack that keeps its audit trail on disk: a
 * purchase, a failure, a missed run and a plan change each reach the outbox as the preferences
 * say and leave audit records that say who, what, when, old and new values and the ids; a
 * redelivered event sends nothing twice; the digest Lambda seals each ended day through the local
 * S3 and KMS; `npm run audit:verify` passes on the folder and on the bucket, and fails naming the
 * object once a record is edited; the monthly job's report equals `npm run audit:report`'s.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '#domain/audit-entry.ts';
import { LocalClock } from '#local/clock.ts';
import { LOCAL_AWS } from '#local/services/dynamodb.ts';
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { LocalStack } from '#local/stack.ts';
import { verifyContacts } from '../../support/contacts.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, smsStackConfig, startTestStack, type GraphqlClient } from '../../support/stack.ts';

interface AuditItem {
  key: string;
  event: { id: string; 'detail-type': string; detail: Record<string, unknown> };
  entry: AuditEntry;
}

const dataDir = mkdtempSync(join(tmpdir(), 'walkthrough-'));
const auditDir = join(dataDir, 'audit');
let stack: LocalStack;
let walter: GraphqlClient;
const plans: Record<'bought' | 'failed' | 'missed' | 'changed', string> = {
  bought: '',
  failed: '',
  missed: '',
  changed: '',
};

beforeAll(async () => {
  stack = await startTestStack({
    clock: new LocalClock(new Date('2027-10-01T00:00:00Z')),
    dataDir,
    config: smsStackConfig(),
  });
  walter = await signIn(stack, 'walter');
  await walter.data(
    `mutation Update($input: NotificationPreferencesInput!) {
      updateNotificationPreferences(input: $input) { phone }
    }`,
    {
      input: {
        phone: '+4915123456789',
        rules: [{ event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL', 'SMS'] }],
      },
    },
  );
  await verifyContacts(stack, walter.sub);
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const json = async <T>(path: string) => (await (await fetch(`${stack.url}${path}`)).json()) as T;
const outboxFor = async (planId: string) =>
  (await json<OutboxMessage[]>('/_local/outbox')).filter((message) => message.planId === planId);
const auditFor = async (planId: string) =>
  (await json<AuditItem[]>('/_local/audit')).filter((item) => item.entry.planId === planId);

async function planOn(day: string, timeOfDay = '08:00'): Promise<string> {
  const [id] = await createDailyPlans(walter, 1, {
    amount: '25.00',
    currency: 'EUR',
    timeOfDay,
    timezone: 'Europe/Berlin',
    startDate: day,
    endDate: day,
  });
  await stack.settle();
  return id ?? '';
}

/** Runs a script in a child process, without blocking this one (it serves the local S3 and KMS). */
function script(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`scripts/${name}.ts`, ...args],
      { encoding: 'utf8', env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        resolve({ status: error === null ? 0 : Number(error.code ?? -1), stdout, stderr });
      },
    );
  });
}

const verifyFolder = () =>
  script('audit-verify', ['--dir', auditDir, '--key', join(dataDir, 'audit-signing-key.pem')]);
const verifyBucket = () =>
  script('audit-verify', ['--bucket', stack.audit.bucket, '--key-id', stack.audit.signingKeyArn], {
    AWS_ENDPOINT_URL_S3: `${stack.url}/_aws/s3`,
    AWS_ENDPOINT_URL_KMS: `${stack.url}/_aws/kms`,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  });

describe('a purchase', () => {
  it('is told by email and SMS and recorded with every id that ties it together', async () => {
    plans.bought = await planOn('2027-10-02');
    await stack.advanceTo(Date.parse('2027-10-02T07:00:00Z'));
    const sent = await outboxFor(plans.bought);
    // Created, bought, and ended after its only run.
    expect(sent.map((message) => `${message.event} ${message.channel}`).sort()).toEqual([
      'PLAN_CHANGED EMAIL',
      'PLAN_CHANGED EMAIL',
      'PURCHASE_SUCCEEDED EMAIL',
      'PURCHASE_SUCCEEDED SMS',
    ]);
    expect(sent.map((message) => message.subject)).toContain(
      'Plan ended: 25.00 EUR every day at 08:00',
    );
    const purchase = (await auditFor(plans.bought)).find(
      (item) => item.entry.what === 'PurchaseSucceeded',
    );
    expect(purchase?.entry).toMatchObject({
      who: { kind: 'system', id: 'savings.purchases' },
      userId: 'walter',
      planId: plans.bought,
      scheduledFor: '2027-10-02T06:00:00Z',
      clientOrderId: expect.any(String) as unknown,
      exchangeOrderId: expect.any(String) as unknown,
      executionArn: expect.stringMatching(
        /^arn:aws:states:eu-central-1:\d{12}:express:/,
      ) as unknown,
    });
    expect(purchase?.key).toMatch(/^events\/2027\/10\/02\//);
  });

  it('sends nothing twice when its event is delivered again', async () => {
    const before = (await json<OutboxMessage[]>('/_local/outbox')).length;
    const purchase = (await auditFor(plans.bought)).find(
      (item) => item.entry.what === 'PurchaseSucceeded',
    );
    stack.sqs.send(stack.notificationQueueUrl, JSON.stringify(purchase?.event));
    stack.sqs.send(stack.notificationQueueUrl, JSON.stringify(purchase?.event));
    await stack.advanceTo(stack.clock.now() + 60_000);
    expect((await json<OutboxMessage[]>('/_local/outbox')).length).toBe(before);
  });
});

describe('a failure, a missed run and a plan change', () => {
  it('each reach the outbox by the default rule (email) and the audit trail', async () => {
    await fetch(`${stack.url}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ exchange: { rejectInsufficientFunds: true } }),
    });
    plans.failed = await planOn('2027-10-05');
    await stack.advanceTo(Date.parse('2027-10-05T07:00:00Z'));
    await fetch(`${stack.url}/_local/faults`, { method: 'POST', body: '{}' });

    plans.missed = await planOn('2027-10-07', '12:00');
    const scheduler = new SchedulerClient({
      ...LOCAL_AWS,
      endpoint: `${stack.url}/_aws/scheduler`,
    });
    const schedule = stack.scheduler.list().find((item) => item.name === `plan-${plans.missed}`);
    await scheduler.send(
      new DeleteScheduleCommand({ Name: `plan-${plans.missed}`, GroupName: schedule?.group }),
    );
    scheduler.destroy();
    await stack.advanceTo(Date.parse('2027-10-07T11:00:00Z'));

    // A plan for December, changed in October.
    plans.changed = await planOn('2027-12-01');
    await walter.data(
      'mutation Update($input: UpdatePlanInput!) { updatePlan(input: $input) { version } }',
      { input: { id: plans.changed, expectedVersion: 1, amount: '40.00' } },
    );
    await stack.settle();
    await stack.advanceTo(stack.clock.now() + 60_000);

    // Each: created, the run's outcome (by email: the default rule), and ended after it.
    const events = async (planId: string) =>
      (await outboxFor(planId)).map((message) => `${message.event} ${message.channel}`).sort();
    expect(await events(plans.failed)).toEqual([
      'PLAN_CHANGED EMAIL',
      'PLAN_CHANGED EMAIL',
      'PURCHASE_FAILED EMAIL',
    ]);
    expect(await events(plans.missed)).toEqual([
      'PLAN_CHANGED EMAIL',
      'PLAN_CHANGED EMAIL',
      'RUN_MISSED EMAIL',
    ]);
    // Created and changed within coalesceSeconds: one message, about the change.
    expect(await events(plans.changed)).toEqual(['PLAN_CHANGED EMAIL']);
    expect((await outboxFor(plans.changed)).map((message) => message.body).join('\n')).toContain(
      'Amount: 25.00 EUR → 40.00 EUR',
    );

    const what = async (planId: string) =>
      (await auditFor(planId))
        .map((item) => `${item.entry.what} ${item.entry.change ?? ''}`.trim())
        .sort();
    expect(await what(plans.failed)).toEqual([
      'NotificationSent',
      'NotificationSent',
      'NotificationSent',
      'PlanChanged CREATED',
      'PlanChanged ENDED',
      'PurchaseFailed',
    ]);
    expect(await what(plans.missed)).toEqual([
      'NotificationSent',
      'NotificationSent',
      'NotificationSent',
      'PlanChanged CREATED',
      'PlanChanged ENDED',
      'PlanRunMissed',
    ]);
    const ended = (await auditFor(plans.missed)).find((item) => item.entry.change === 'ENDED');
    expect(ended?.entry.who).toEqual({ kind: 'system', id: 'savings.plans' });
    const update = (await auditFor(plans.changed)).find((item) => item.entry.change === 'UPDATED');
    expect(update?.entry).toMatchObject({
      who: { kind: 'user', id: 'walter' },
      what: 'PlanChanged',
      old: { amount: '25.00' },
      new: { amount: '40.00' },
    });
  });
});

describe('the sealed trail', () => {
  it('is sealed day by day by the digest Lambda and verifies on the folder and the bucket', async () => {
    await stack.advanceTo(Date.parse('2027-10-09T03:00:00Z'));
    for (const day of ['01', '02', '05', '07', '08']) {
      expect(existsSync(join(auditDir, 'digests', `2027-10-${day}.json`))).toBe(true);
      expect(existsSync(join(auditDir, 'digests', `2027-10-${day}.sig`))).toBe(true);
    }
    expect(existsSync(join(auditDir, 'digests', '2027-10-09.json'))).toBe(false);
    const folder = await verifyFolder();
    expect(folder.stderr).toBe('');
    expect(folder.stdout).toContain('day(s) verified (2027-10-01 to 2027-10-08)');
    const bucket = await verifyBucket();
    expect(bucket.stderr).toBe('');
    expect(bucket.stdout).toContain(`in s3://${stack.audit.bucket}`);
    expect(bucket.stdout).toContain('every digest signed and chained: OK');
  });

  it('gets a monthly report from the job, the same as npm run audit:report writes', async () => {
    await stack.advanceTo(Date.parse('2027-11-01T03:00:00Z'));
    const stored = join(auditDir, 'reports', '2027-10.md');
    expect(existsSync(stored)).toBe(true);
    const out = join(dataDir, 'reports');
    const local = await script('audit-report', [
      '--month',
      '2027-10',
      '--dir',
      auditDir,
      '--out',
      out,
    ]);
    expect(local.stderr).toBe('');
    expect(local.status).toBe(0);
    const markdown = readFileSync(join(out, 'audit-2027-10.md'), 'utf8');
    expect(markdown).toBe(readFileSync(stored, 'utf8'));
    expect(readFileSync(join(out, 'audit-2027-10.csv'), 'utf8')).toBe(
      readFileSync(join(auditDir, 'reports', '2027-10.csv'), 'utf8'),
    );
    expect(markdown).toContain('1 purchase(s) filled.');
    expect(markdown).toContain('| INSUFFICIENT_FUNDS | 1 |');
    expect(markdown).toContain('1 run(s) missed.');
    expect(markdown).toMatch(/\| UPDATED \| 1 \|/);
    expect(markdown).toMatch(/\| CREATED \| 4 \|/);
    expect(markdown).toMatch(/\| ENDED \| 3 \|/);
  });

  it('fails after a record is edited, naming the object', async () => {
    const purchase = (await auditFor(plans.bought)).find(
      (item) => item.entry.what === 'PurchaseSucceeded',
    );
    const file = join(auditDir, ...(purchase?.key ?? '').split('/'));
    writeFileSync(file, readFileSync(file, 'utf8').replace('"walter"', '"mallory"'));
    for (const result of [await verifyFolder(), await verifyBucket()]) {
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('BROKEN on 2027-10-02 (OBJECT_CHANGED)');
      expect(result.stderr).toContain(`first object that does not match: ${purchase?.key}`);
    }
  });
});
