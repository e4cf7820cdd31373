/** What redriving each dead-letter queue means, and how each kind of dead letter is replayed. */
import { describe, expect, it } from 'vitest';
import { redriveQueue, replayPlan, RedriveQueueError } from '#shared/redrive.ts';
import { topology } from '#shared/topology.ts';

const stack = topology({
  prefix: 'savings-plan-buy-dev',
  region: 'eu-central-1',
  accountId: '111122223333',
});
const STATE_MACHINE =
  'arn:aws:states:eu-central-1:111122223333:stateMachine:savings-plan-buy-dev-purchase';
const SWEEPER = 'arn:aws:lambda:eu-central-1:111122223333:function:savings-plan-buy-dev-sweeper';
const SLOT = '{"planId":"p-1","scheduledFor":"2027-05-03T09:00:00Z"}';

function schedulerDeadLetter(target: string, body = SLOT) {
  return {
    id: 'm-1',
    body,
    attributes: {
      ERROR_CODE: 'ThrottlingException',
      SCHEDULE_ARN:
        'arn:aws:scheduler:eu-central-1:111122223333:schedule/savings-plan-buy-dev-plans/p-1',
      TARGET_ARN: target,
      RETRY_ATTEMPTS: '185',
    },
  };
}

describe('redriveQueue', () => {
  it('moves a dead-letter queue of another queue back to it, by key or by physical name', () => {
    expect(redriveQueue(stack, 'purchase-retries-dlq')).toEqual({
      key: 'purchase-retries-dlq',
      name: 'savings-plan-buy-dev-purchase-retries-dlq',
      kind: 'move',
      destination: 'purchase-retries',
    });
    expect(redriveQueue(stack, 'savings-plan-buy-dev-notifications-dlq')).toEqual({
      key: 'notifications-dlq',
      name: 'savings-plan-buy-dev-notifications-dlq',
      kind: 'move',
      destination: 'notifications',
    });
    expect(redriveQueue(stack, 'plan-stream-failures-dlq')).toMatchObject({
      kind: 'move',
      destination: 'plan-stream-failures',
    });
  });

  it('replays the Scheduler and rule dead-letter queues through their targets', () => {
    expect(redriveQueue(stack, 'plans-dlq')).toEqual({
      key: 'plans-dlq',
      name: 'savings-plan-buy-dev-plans-dlq',
      kind: 'replay',
    });
    expect(redriveQueue(stack, 'audit-dlq')).toEqual({
      key: 'audit-dlq',
      name: 'savings-plan-buy-dev-audit-dlq',
      kind: 'replay',
    });
  });

  it('refuses a work queue and an unknown queue, naming the queues it takes', () => {
    const queues =
      'purchase-retries-dlq, plan-stream-failures-dlq, notifications-dlq, plans-dlq, audit-dlq, slot-outcomes-dlq, email-feedback-dlq, block-orders-dlq';
    expect(() => redriveQueue(stack, 'purchase-retries')).toThrow(
      new RedriveQueueError(
        `purchase-retries is a work queue, not a dead-letter queue: redrive one of ${queues}`,
      ),
    );
    expect(() => redriveQueue(stack, 'retries')).toThrow(
      new RedriveQueueError(`unknown queue retries: redrive one of ${queues}`),
    );
  });
});

describe('replayPlan', () => {
  it('starts the purchase workflow through its live alias with the input of a plan slot the Scheduler dead-lettered', () => {
    expect(replayPlan(stack, 'plans-dlq', schedulerDeadLetter(`${STATE_MACHINE}:live`))).toEqual({
      kind: 'start-execution',
      stateMachineArn: `${STATE_MACHINE}:live`,
      input: SLOT,
      target: 'state machine savings-plan-buy-dev-purchase',
    });
  });

  it('starts a slot armed before the alias existed through the live alias too', () => {
    expect(replayPlan(stack, 'plans-dlq', schedulerDeadLetter(STATE_MACHINE))).toEqual({
      kind: 'start-execution',
      stateMachineArn: `${STATE_MACHINE}:live`,
      input: SLOT,
      target: 'state machine savings-plan-buy-dev-purchase',
    });
  });

  it('invokes a job asynchronously with the input of its dead-lettered firing', () => {
    expect(replayPlan(stack, 'plans-dlq', schedulerDeadLetter(SWEEPER, '{}'))).toEqual({
      kind: 'invoke-async',
      functionName: 'savings-plan-buy-dev-sweeper',
      payload: '{}',
      target: 'function savings-plan-buy-dev-sweeper',
    });
  });

  it('re-invokes a job with the request payload of its on-failure record, whatever the qualifier', () => {
    const record = {
      version: '1.0',
      timestamp: '2027-05-03T09:00:00.000Z',
      requestContext: {
        requestId: 'r-1',
        functionArn: `${SWEEPER.replace('sweeper', 'reconcile')}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { day: '2027-05-02' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'exchange down' },
    };
    expect(
      replayPlan(stack, 'plans-dlq', { id: 'm-2', body: JSON.stringify(record), attributes: {} }),
    ).toEqual({
      kind: 'invoke-async',
      functionName: 'savings-plan-buy-dev-reconcile',
      payload: '{"day":"2027-05-02"}',
      target: 'function savings-plan-buy-dev-reconcile',
    });
  });

  it("leaves a dead letter whose target is not one of this stack's in the queue", () => {
    const elsewhere = STATE_MACHINE.replace('-dev-', '-prod-');
    expect(replayPlan(stack, 'plans-dlq', schedulerDeadLetter(elsewhere))).toEqual({
      kind: 'unknown',
      reason: `its target ${elsewhere} is not one of this stack's`,
    });
    const notAJob = {
      requestContext: { functionArn: SWEEPER.replace('sweeper', 'place-order') },
      requestPayload: {},
    };
    expect(
      replayPlan(stack, 'plans-dlq', { id: 'm-3', body: JSON.stringify(notAJob), attributes: {} }),
    ).toEqual({
      kind: 'unknown',
      reason: `its function ${SWEEPER.replace('sweeper', 'place-order')} is not one of this stack's jobs`,
    });
    expect(replayPlan(stack, 'plans-dlq', { id: 'm-4', body: 'hello', attributes: {} })).toEqual({
      kind: 'unknown',
      reason: 'neither a Scheduler dead-letter event nor a Lambda on-failure record',
    });
  });

  it('puts an event the audit rule could not deliver on the audit stream, byte for byte', () => {
    const event = JSON.stringify({
      version: '0',
      id: 'e-1',
      'detail-type': 'PurchaseCompleted',
      source: 'savings-plan-buy.purchases',
      account: '111122223333',
      time: '2027-05-03T09:00:03Z',
      region: 'eu-central-1',
      resources: [],
      detail: { planId: 'p-1' },
    });
    const rule =
      'arn:aws:events:eu-central-1:111122223333:rule/savings-plan-buy-dev-events/savings-plan-buy-dev-audit';
    expect(
      replayPlan(stack, 'audit-dlq', { id: 'm-5', body: event, attributes: { RULE_ARN: rule } }),
    ).toEqual({
      kind: 'put-audit-record',
      streamName: 'savings-plan-buy-dev-audit',
      data: event,
      target: 'audit stream savings-plan-buy-dev-audit',
    });
    expect(
      replayPlan(stack, 'audit-dlq', {
        id: 'm-6',
        body: event,
        attributes: { RULE_ARN: rule.replace('-audit', '-notifications') },
      }),
    ).toEqual({
      kind: 'unknown',
      reason: `it was dead-lettered by ${rule.replace('-audit', '-notifications')}, not the audit rule`,
    });
    expect(replayPlan(stack, 'audit-dlq', { id: 'm-7', body: '[]', attributes: {} })).toEqual({
      kind: 'unknown',
      reason: 'its body is not an EventBridge event',
    });
  });
});
