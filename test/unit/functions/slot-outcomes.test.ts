/**
 * The slot-outcomes Lambda, run in-process on SQS batches as the outcomes rule delivers them: the
 * exact metrics each batch publishes (EMF, namespace SavingsPlanBuy, dimension `service`), late
 * against on time, malformed events dropped, duplicates counted once per environment, and partial
 * batch failures reported for exactly the records that failed.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { SLO_FINAL_WITHIN_SECONDS } from '#shared/monitoring/alarms.ts';
import { emfEnvironment, lambdaContext, withEmf } from '../../support/emf.ts';

const SERVICE = 'savings-plan-buy-dev-slot-outcomes';

/** Event ids whose reading throws an unexpected error (a bug, or a runtime fault). */
const failing = vi.hoisted(() => new Set<string>());
vi.mock(import('#domain/slot-outcomes.ts'), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    slotOutcomeOf: (event: unknown) => {
      if (failing.has((event as { id?: string }).id ?? '')) throw new Error('unexpected fault');
      return original.slotOutcomeOf(event);
    },
  };
});

emfEnvironment(SERVICE);
const { handler } = await import('../../../functions/slot-outcomes/handler.ts');

const SLOT = '2027-01-04T09:00:00Z';
const PLAN = '01JH0000000000000000000000';
const USER = 'user-1';
const ORDER = 'ef3fbece-4c77-5094-95a4-b6e24ee19c49';
const ARN = 'arn:aws:states:eu-central-1:123456789012:execution:p:x';

const details = {
  PurchaseSucceeded: {
    source: 'savings.purchases',
    detail: {
      planId: PLAN,
      userId: USER,
      scheduledFor: SLOT,
      status: 'FILLED',
      clientOrderId: ORDER,
      exchangeOrderId: 'order-1',
      amount: '25.00',
      currency: 'EUR',
      btcAcquiredSats: '54000',
      spentMinor: '2500',
      feeMinor: '15',
      averagePrice: '46000.00',
      executionArn: ARN,
    },
  },
  PurchaseFailed: {
    source: 'savings.purchases',
    detail: {
      planId: PLAN,
      userId: USER,
      scheduledFor: SLOT,
      clientOrderId: ORDER,
      amount: '25.00',
      currency: 'EUR',
      failureCode: 'INSUFFICIENT_FUNDS',
      failureReason: 'Not enough funds.',
      executionArn: ARN,
    },
  },
  PurchaseSkipped: {
    source: 'savings.purchases',
    detail: {
      planId: PLAN,
      userId: USER,
      scheduledFor: SLOT,
      clientOrderId: ORDER,
      code: 'PLAN_PAUSED',
      reason: 'The plan is paused.',
      executionArn: ARN,
    },
  },
  PlanRunMissed: {
    source: 'savings.scheduler',
    detail: {
      planId: PLAN,
      userId: USER,
      scheduledFor: SLOT,
      clientOrderId: ORDER,
      amount: '25.00',
      currency: 'EUR',
      nextRunAt: null,
      action: 'REARMED',
    },
  },
} as const;

type Outcome = keyof typeof details;
let sequence = 0;

/** An EventBridge event as a rule delivers it to SQS, published `afterSeconds` after the slot. */
function busEvent(
  detailType: Outcome,
  afterSeconds = 60,
  changes: { id?: string; detail?: Record<string, unknown> } = {},
) {
  sequence += 1;
  return {
    version: '0',
    id: changes.id ?? `event-${sequence}`,
    'detail-type': detailType,
    source: details[detailType].source,
    account: '123456789012',
    time: new Date(Date.parse(SLOT) + afterSeconds * 1000).toISOString().replace('.000Z', 'Z'),
    region: 'eu-central-1',
    resources: [],
    detail: { ...details[detailType].detail, ...changes.detail },
  };
}

function record(body: unknown): SQSRecord {
  sequence += 1;
  return {
    messageId: `message-${sequence}`,
    receiptHandle: `receipt-${sequence}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1799053200000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1799053200000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:savings-plan-buy-dev-slot-outcomes',
    awsRegion: 'eu-central-1',
  };
}

async function deliver(records: SQSRecord[]) {
  const event: SQSEvent = { Records: records };
  return withEmf(() => handler(event, lambdaContext(SERVICE)));
}

/** The one EMF record an invocation publishes, with these counts (every other one zero). */
function published(counts: Partial<Record<string, number>>) {
  return [
    {
      namespace: 'SavingsPlanBuy',
      dimensions: { service: SERVICE },
      values: {
        SlotsFinal: 0,
        SlotsSucceeded: 0,
        SlotsFailed: 0,
        SlotsSkipped: 0,
        SlotsMissed: 0,
        SlotsFinalLate: 0,
        OutcomeEventsMalformed: 0,
        OutcomeEventsDuplicate: 0,
        ...counts,
      },
    },
  ];
}

describe('slot-outcomes', () => {
  it('counts a bought slot as final and succeeded, with every other count at zero', async () => {
    const { result, emf } = await deliver([record(busEvent('PurchaseSucceeded'))]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(emf).toEqual(published({ SlotsFinal: 1, SlotsSucceeded: 1 }));
  });

  it('counts failed and skipped slots as final, and a missed slot as missed but not final', async () => {
    const { result, emf } = await deliver([
      record(busEvent('PurchaseFailed')),
      record(busEvent('PurchaseSkipped')),
      record(busEvent('PlanRunMissed', 20 * 60)),
      record(busEvent('PurchaseSucceeded')),
      record(busEvent('PurchaseFailed')),
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(emf).toEqual(
      published({
        SlotsFinal: 4,
        SlotsSucceeded: 1,
        SlotsFailed: 2,
        SlotsSkipped: 1,
        SlotsMissed: 1,
      }),
    );
  });

  it('counts a final outcome published more than 30 minutes after its slot as late, and one at 30 minutes as on time', async () => {
    expect(SLO_FINAL_WITHIN_SECONDS).toBe(30 * 60);
    const { emf } = await deliver([
      record(busEvent('PurchaseSucceeded', 30 * 60)),
      record(busEvent('PurchaseSucceeded', 30 * 60 + 1)),
      record(busEvent('PurchaseFailed', 3 * 60 * 60)),
      record(busEvent('PurchaseSkipped', 0)),
    ]);
    expect(emf).toEqual(
      published({
        SlotsFinal: 4,
        SlotsSucceeded: 2,
        SlotsFailed: 1,
        SlotsSkipped: 1,
        SlotsFinalLate: 2,
      }),
    );
  });

  it('never counts a missed slot as late: it is counted as missed only', async () => {
    const { emf } = await deliver([record(busEvent('PlanRunMissed', 6 * 60 * 60))]);
    expect(emf).toEqual(published({ SlotsMissed: 1 }));
  });

  it('drops malformed events without failing them, logs why, and counts them apart', async () => {
    const { result, emf, logs } = await deliver([
      record('not json'),
      record({ ...busEvent('PurchaseSucceeded'), 'detail-type': 'PlanChanged' }),
      record(busEvent('PurchaseFailed', 60, { detail: { failureCode: undefined } })),
      record(busEvent('PurchaseSkipped', 60, { detail: { code: 'NOT_A_CODE' } })),
      record(busEvent('PurchaseSucceeded', 60, { detail: { scheduledFor: 'tomorrow' } })),
      record({ ...busEvent('PurchaseSucceeded'), source: 'savings.scheduler' }),
      record({ ...busEvent('PurchaseSucceeded'), time: undefined }),
      record(busEvent('PurchaseSucceeded')),
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(emf).toEqual(published({ SlotsFinal: 1, SlotsSucceeded: 1, OutcomeEventsMalformed: 7 }));
    const problems = logs.join('\n');
    for (const expected of [
      'dropped a message that is not JSON',
      'PlanChanged is not a slot outcome',
      'PurchaseFailed.failureCode is missing',
      'PurchaseSkipped.code must be one of',
      'PurchaseSucceeded.scheduledFor tomorrow is not an instant',
      'PurchaseSucceeded comes from savings.purchases, not savings.scheduler',
      "the event's time undefined is not an instant",
    ]) {
      expect(problems).toContain(expected);
    }
  });

  it('counts an event delivered twice in one batch once', async () => {
    const event = busEvent('PurchaseSucceeded');
    const { result, emf } = await deliver([record(event), record(event)]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(emf).toEqual(published({ SlotsFinal: 1, SlotsSucceeded: 1, OutcomeEventsDuplicate: 1 }));
  });

  it('counts an event delivered again to the same environment after its count was published once', async () => {
    const event = busEvent('PurchaseFailed', 45 * 60);
    expect((await deliver([record(event)])).emf).toEqual(
      published({ SlotsFinal: 1, SlotsFailed: 1, SlotsFinalLate: 1 }),
    );
    expect((await deliver([record(event)])).emf).toEqual(published({ OutcomeEventsDuplicate: 1 }));
  });

  it('reports exactly the records that failed, counts the others, and counts a failed one when its retry succeeds', async () => {
    const broken = busEvent('PurchaseSkipped', 60, { id: 'event-that-fails' });
    const brokenRecord = record(broken);
    failing.add(broken.id);
    const first = await deliver([
      record(busEvent('PurchaseSucceeded')),
      brokenRecord,
      record(busEvent('PlanRunMissed')),
    ]);
    expect(first.result).toEqual({
      batchItemFailures: [{ itemIdentifier: brokenRecord.messageId }],
    });
    expect(first.emf).toEqual(published({ SlotsFinal: 1, SlotsSucceeded: 1, SlotsMissed: 1 }));

    failing.delete(broken.id);
    const retry = await deliver([record(broken)]);
    expect(retry.result).toEqual({ batchItemFailures: [] });
    expect(retry.emf).toEqual(published({ SlotsFinal: 1, SlotsSkipped: 1 }));
  });

  it('publishes zeros when a whole batch fails, and lets SQS deliver it again', async () => {
    const broken = busEvent('PurchaseSucceeded', 60, { id: 'another-event-that-fails' });
    failing.add(broken.id);
    const { error, emf } = await deliver([record(broken)]);
    failing.delete(broken.id);
    expect((error as Error).name).toBe('FullBatchFailureError');
    expect(emf).toEqual(published({}));
  });
});
