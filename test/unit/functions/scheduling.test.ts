/**
 * The full one-time schedule a plan's slot is armed with. UpdateSchedule resets every field left
 * out, so the definition is asserted whole. The client order id is pinned to the value Python's
 * independent `uuid.uuid5` gives for the plan and slot.
 */
import { describe, expect, it } from 'vitest';
import type { Slot } from '#domain/calendar.ts';
import type { PlanRecord } from '#shared/plan-record.ts';
import { scheduleDefinition, type SchedulingSettings } from '../../../functions/lib/scheduling.ts';

const settings: SchedulingSettings = {
  plansTable: 'savings-dev-plans',
  scheduleGroup: 'savings-dev-plans',
  stateMachineArn: 'arn:aws:states:eu-central-1:123456789012:stateMachine:savings-dev-purchase',
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/savings-dev-scheduler',
  deadLetterQueueArn: 'arn:aws:sqs:eu-central-1:123456789012:savings-dev-scheduler-dlq',
  kmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};

const plan: PlanRecord = {
  userId: 'user-sub-1',
  planId: '01JPLAN0000000000000000001',
  status: 'ACTIVE',
  amount: '25.00',
  currency: 'EUR',
  asset: 'BTC',
  schedule: {
    frequency: 'WEEKLY',
    timeOfDay: '09:00',
    timezone: 'Europe/Berlin',
    dayOfWeek: 2,
    startDate: '2026-11-01',
  },
  version: 3,
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
};

const fire: Slot = { at: '2026-11-24T08:00:00Z', localDate: '2026-11-24', period: 'W:2026-11-23' };

describe('scheduleDefinition', () => {
  it('answers the complete CreateSchedule request for the slot', () => {
    expect(scheduleDefinition(plan, fire, settings)).toEqual({
      Name: 'plan-01JPLAN0000000000000000001',
      GroupName: 'savings-dev-plans',
      Description: 'Savings plan 01JPLAN0000000000000000001: purchase slot 2026-11-24T08:00:00Z',
      ScheduleExpression: 'at(2026-11-24T08:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      KmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Target: {
        Arn: 'arn:aws:states:eu-central-1:123456789012:stateMachine:savings-dev-purchase',
        RoleArn: 'arn:aws:iam::123456789012:role/savings-dev-scheduler',
        Input:
          '{"planId":"01JPLAN0000000000000000001","userId":"user-sub-1","version":3,' +
          '"scheduledFor":"<aws.scheduler.scheduled-time>",' +
          '"clientOrderId":"ef3fbece-4c77-5094-95a4-b6e24ee19c49","amount":"25.00","currency":"EUR"}',
        RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 20 },
        DeadLetterConfig: {
          Arn: 'arn:aws:sqs:eu-central-1:123456789012:savings-dev-scheduler-dlq',
        },
      },
    });
  });

  it('sends the workflow input as JSON the purchase workflow can read', () => {
    const input = scheduleDefinition(plan, fire, settings).Target?.Input ?? '';
    expect(JSON.parse(input)).toEqual({
      planId: '01JPLAN0000000000000000001',
      userId: 'user-sub-1',
      version: 3,
      scheduledFor: '<aws.scheduler.scheduled-time>',
      clientOrderId: 'ef3fbece-4c77-5094-95a4-b6e24ee19c49',
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it('derives a different client order id and at() expression for the next slot', () => {
    const next: Slot = {
      at: '2026-12-01T08:00:00Z',
      localDate: '2026-12-01',
      period: 'W:2026-11-30',
    };
    const definition = scheduleDefinition(plan, next, settings);
    expect({
      expression: definition.ScheduleExpression,
      clientOrderId: (JSON.parse(definition.Target?.Input ?? '') as { clientOrderId: string })
        .clientOrderId,
    }).toEqual({
      expression: 'at(2026-12-01T08:00:00)',
      clientOrderId: '69bdc2cf-5cae-574e-87f1-53851aa4fb59',
    });
  });

  it('keeps the client order id of a slot when the plan is edited', () => {
    const edited: PlanRecord = { ...plan, amount: '40.00', version: 4 };
    expect(JSON.parse(scheduleDefinition(edited, fire, settings).Target?.Input ?? '')).toEqual({
      planId: '01JPLAN0000000000000000001',
      userId: 'user-sub-1',
      version: 4,
      scheduledFor: '<aws.scheduler.scheduled-time>',
      clientOrderId: 'ef3fbece-4c77-5094-95a4-b6e24ee19c49',
      amount: '40.00',
      currency: 'EUR',
    });
  });
});
