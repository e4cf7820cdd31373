/** The purchase workflow's definition: valid ASL, resilient states, only known placeholders. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  DefinitionSubstitutionError,
  PURCHASE_STATE_MACHINE_FILE,
  substituteDefinition,
} from '#shared/state-machines.ts';

const require = createRequire(import.meta.url);
const validate = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const TEXT = readFileSync(PURCHASE_STATE_MACHINE_FILE, 'utf8');
const VALUES = {
  PlansTable: 'p',
  ExecutionsTable: 'e',
  EventBusName: 'b',
  DecideFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:decide',
  PlaceOrderFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:place-order',
  RetryQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/purchase-retries',
  PurchaseWindowHours: '6',
};

interface State {
  Type: string;
  Next?: string;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Choices?: { Variable: string; StringEquals: string; Next: string }[];
  Default?: string;
  Parameters?: Record<string, unknown>;
}

const definition = substituteDefinition(TEXT, VALUES) as {
  TimeoutSeconds: number;
  States: Record<string, State>;
};

describe('purchase.asl.json', () => {
  it('is valid Amazon States Language (JSONPath)', () => {
    const { isValid, errors } = validate(definition);
    expect({ isValid, errors }).toEqual({ isValid: true, errors: [] });
    expect(TEXT).not.toContain('"QueryLanguage": "JSONata"');
  });

  it('gives every Task an explicit Retry for transient errors and a Catch', () => {
    for (const [name, state] of Object.entries(definition.States).filter(
      ([, state]) => state.Type === 'Task',
    )) {
      expect(state.Retry?.length, name).toBeGreaterThan(0);
      expect(state.Catch?.length, name).toBeGreaterThan(0);
      expect(state.Catch?.at(-1)?.ErrorEquals, name).toEqual(['States.ALL']);
    }
  });

  it('stays far inside the five minutes an Express execution may run', () => {
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(240);
  });

  it('claims the slot first', () => {
    expect((definition as unknown as { StartAt: string }).StartAt).toBe('ClaimSlot');
  });

  it('names only the placeholders the deploy and the local stack fill', () => {
    expect(() => substituteDefinition(TEXT, { ...VALUES, Extra: 'x' })).toThrow(
      new DefinitionSubstitutionError('the definition has no placeholder for Extra'),
    );
    const { EventBusName: _omitted, ...missing } = VALUES;
    expect(() => substituteDefinition(TEXT, missing)).toThrow(
      new DefinitionSubstitutionError('no value for the placeholder ${EventBusName}'),
    );
  });

  it('sends a run that exhausted its in-run retries to the retry queue, never to a failure', () => {
    const states = definition.States;
    for (const name of ['LoadPlan', 'Decide']) {
      expect(states[name]?.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ScheduleRetry' },
      ]);
    }
    expect(states.PlaceOrder?.Catch).toEqual([
      {
        ErrorEquals: ['InvalidOrderEventError', 'OverspendError'],
        ResultPath: '$.error',
        Next: 'OutcomeUnknown',
      },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ScheduleRetry' },
    ]);
    expect(states.ScheduleRetry?.Next).toBe('DeferRetry');
    expect(states.DeferRetry?.Parameters).toMatchObject({
      QueueUrl: VALUES.RetryQueueUrl,
      DelaySeconds: 60,
    });
    expect(states.DeferRetry?.Next).toBe('RetryScheduled');
  });

  it('fails fast into the retry queue while the circuit is open: no in-run retry for it', () => {
    const retried = (definition.States.PlaceOrder?.Retry ?? []).flatMap(
      (retrier) => retrier.ErrorEquals,
    );
    expect(retried).toContain('ExchangeUnavailableError');
    expect(retried).not.toContain('ExchangeCircuitOpenError');
  });

  it('records a refusal by the decision as FAILED and a skip as SKIPPED', () => {
    expect(definition.States.BuyOrSkip?.Choices).toEqual([
      { Variable: '$.decision.action', StringEquals: 'BUY', Next: 'PlaceOrder' },
      { Variable: '$.decision.action', StringEquals: 'FAIL', Next: 'RecordDecisionFailure' },
    ]);
    expect(definition.States.BuyOrSkip?.Default).toBe('RecordSkipped');
    expect(definition.States.RecordDecisionFailure?.Next).toBe('RecordFailed');
  });

  it('records full and partial fills through the same ledger transaction', () => {
    expect(definition.States.OrderOutcome?.Choices).toEqual([
      { Variable: '$.placed.order.outcome', StringEquals: 'FILLED', Next: 'FilledNote' },
      {
        Variable: '$.placed.order.outcome',
        StringEquals: 'PARTIALLY_FILLED',
        Next: 'PartialFillNote',
      },
    ]);
    expect(definition.States.FilledNote?.Next).toBe('RecordPurchase');
    expect(definition.States.PartialFillNote?.Next).toBe('RecordPurchase');
  });

  it('takes every final status, partial fills included, as a finished slot', () => {
    const finished = (
      definition.States.ClaimState?.Choices?.[0] as unknown as {
        Or: { StringEquals: string }[];
      }
    ).Or.map((choice) => choice.StringEquals);
    expect(finished).toEqual(['FILLED', 'FAILED', 'SKIPPED', 'PARTIALLY_FILLED']);
  });

  describe('the claim, run by the interpreter on its own', () => {
    const SLOT = {
      userId: 'u',
      planId: 'p',
      version: 1,
      scheduledFor: '2026-11-30T08:00:00Z',
      clientOrderId: 'c',
      amount: '25.00',
      currency: 'EUR',
    };

    /** ClaimSlot as written, its Next and Catch targets stubbed as terminal states. */
    async function claim(failures: readonly string[]): Promise<{ end: string; attempts: number }> {
      const machine = new StateMachine(
        {
          StartAt: 'ClaimSlot',
          States: {
            ClaimSlot: { ...definition.States.ClaimSlot, Next: 'LoadPlan' },
            LoadPlan: { Type: 'Succeed' },
            ReadClaim: { Type: 'Succeed' },
            ClaimFailed: { Type: 'Fail', Error: 'ClaimFailed' },
          },
        } as never,
        { validationOptions: { checkArn: false } },
      );
      let attempts = 0;
      const execution = machine.run(SLOT, {
        overrides: {
          taskResourceLocalHandlers: {
            ClaimSlot: () => {
              const name = failures[attempts];
              attempts += 1;
              if (name === undefined) return Promise.resolve({});
              const error = new Error(name);
              error.name = name;
              return Promise.reject(error);
            },
          },
          retryIntervalOverrides: { ClaimSlot: 0 },
        },
        context: {
          Execution: { Id: 'arn:aws:states:eu-central-1:123456789012:express:purchase:x' },
          State: { EnteredTime: '2026-11-30T08:00:00.000Z' },
        },
      } as never);
      const events: string[] = [];
      const watch = (async () => {
        for await (const event of execution.eventLogs) {
          const entry = event as { type: string; state?: { name: string } };
          if (entry.type === 'StateEntered' && entry.state) events.push(entry.state.name);
        }
      })();
      await execution.result.catch(() => undefined);
      await watch;
      return { end: events.at(-1) ?? '', attempts };
    }

    it('goes on once a failed write succeeds on a retry, whatever the error was', async () => {
      await expect(
        claim(['DynamoDB.InternalServerError', 'DynamoDB.TransactionConflictException', 'Oops']),
      ).resolves.toEqual({ end: 'LoadPlan', attempts: 4 });
    });

    it('never retries a slot that is taken: it reads the claim at once', async () => {
      await expect(claim(['DynamoDB.ConditionalCheckFailedException'])).resolves.toEqual({
        end: 'ReadClaim',
        attempts: 1,
      });
    });

    it('gives up after its retries, so the sweeper records the slot as missed', async () => {
      await expect(claim(Array.from({ length: 10 }, () => 'Oops'))).resolves.toEqual({
        end: 'ClaimFailed',
        attempts: 4,
      });
    });
  });
});
