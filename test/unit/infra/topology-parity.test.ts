/**
 * The dev stack under Pulumi mocks against `shared/topology.ts`: what the program registers is
 * what the topology says, and the comparison notices a setting changed on one side only. (The
 * staging and prod files run the same comparison on their own program runs.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runProgram, type ProgramRun } from './program.ts';
import { stackExpectation, topologyMismatches, type ParityExpectation } from './topology-parity.ts';

let run: ProgramRun;
const expected = stackExpectation('dev');

beforeAll(async () => {
  run = await runProgram('dev');
});

/** A copy of the expectation with one change made to it. */
function changed(change: (copy: Mutable<ParityExpectation>) => void): ParityExpectation {
  const copy = structuredClone(expected) as Mutable<ParityExpectation>;
  change(copy);
  return copy;
}

/** A writable deep copy's type, for the test's changes. */
type Mutable<T> = { -readonly [K in keyof T]-?: Mutable<NonNullable<T[K]>> };

describe('the topology', () => {
  it('is what the dev program registers: queues, event sources, environments, jobs and rules', () => {
    expect(topologyMismatches(run, expected)).toEqual([]);
  });

  it("notices a queue's maxReceiveCount changed on one side only", () => {
    const mutated = changed((copy) => {
      copy.topology.queues['purchase-retries'].deadLetter.maxReceiveCount = 3;
    });
    expect(topologyMismatches(run, mutated)).toEqual([
      'queue purchase-retries: redrivePolicy is {"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:savings-plan-buy-dev-purchase-retries-dlq","maxReceiveCount":10}, the topology says {"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:savings-plan-buy-dev-purchase-retries-dlq","maxReceiveCount":3}',
    ]);
  });

  it("notices an event source's batch size and maximum concurrency changed on one side only", () => {
    const mutated = changed((copy) => {
      copy.topology.eventSources['notifications-notify'].batchSize = 5;
      (
        copy.topology.eventSources['purchase-retries-dispatch'] as { maximumConcurrency: number }
      ).maximumConcurrency = 2;
    });
    expect(topologyMismatches(run, mutated)).toEqual([
      'event source purchase-retries-dispatch: scalingConfig is {"maximumConcurrency":5}, the topology says {"maximumConcurrency":2}',
      'event source notifications-notify: batchSize is 10, the topology says 5',
    ]);
  });

  it("notices a queue's delay (the plan changes' coalescing) changed on one side only", () => {
    const mutated = changed((copy) => {
      (copy.topology.queues['plan-change-notifications'] as { delaySeconds: number }).delaySeconds =
        120;
    });
    expect(topologyMismatches(run, mutated)).toEqual([
      'queue plan-change-notifications: delaySeconds is 60, the topology says 120',
    ]);
  });

  it("notices a job's rate changed on one side only", () => {
    const mutated = changed((copy) => {
      copy.topology.jobs.sweeper.expression = 'rate(15 minutes)';
    });
    expect(topologyMismatches(run, mutated)).toEqual([
      'job sweeper: expression is "rate(5 minutes)", the topology says "rate(15 minutes)"',
    ]);
  });

  it('notices an environment value changed on one side only', () => {
    const mutated = changed((copy) => {
      copy.config.purchaseWindowHours = 2;
    });
    expect(topologyMismatches(run, mutated)).toEqual([
      'function decide\'s environment: PURCHASE_WINDOW_SECONDS is "21600", the topology says "7200"',
      'function place-order\'s environment: PURCHASE_WINDOW_SECONDS is "21600", the topology says "7200"',
      'function block-worker\'s environment: PURCHASE_WINDOW_SECONDS is "21600", the topology says "7200"',
    ]);
  });

  it('notices the execution settings changed on one side only', () => {
    const aggregated = { mode: 'aggregated', windowSeconds: 60, maxOrderMinor: {} } as const;
    const mutated = changed((copy) => {
      copy.config.execution = aggregated;
    });
    const deployed = JSON.stringify(JSON.stringify({ mode: 'per-slot' }));
    const declared = JSON.stringify(JSON.stringify(aggregated));
    expect(topologyMismatches(run, mutated)).toEqual([
      `function join-block's environment: EXECUTION_SETTINGS is ${deployed}, the topology says ${declared}`,
      `function block-worker's environment: EXECUTION_SETTINGS is ${deployed}, the topology says ${declared}`,
    ]);
  });

  it("notices a queue's senders or a rule's retries changed on one side only", () => {
    const mutated = changed((copy) => {
      copy.topology.queues['notifications-dlq'].senders = [];
      copy.topology.rules.notifications.retryPolicy.maximumRetryAttempts = 3;
    });
    expect(topologyMismatches(run, mutated)).toEqual([
      'queue notifications-dlq: senders is ["rule notifications","rule plan-change-notifications"], the topology says []',
      'rule notifications: targets is [{"arn":"arn:aws:sqs:eu-central-1:123456789012:savings-plan-buy-dev-notifications","retryPolicy":{"maximumEventAgeInSeconds":86400,"maximumRetryAttempts":185},"deadLetterQueue":"arn:aws:sqs:eu-central-1:123456789012:savings-plan-buy-dev-notifications-dlq"}], the topology says [{"arn":"arn:aws:sqs:eu-central-1:123456789012:savings-plan-buy-dev-notifications","retryPolicy":{"maximumEventAgeInSeconds":86400,"maximumRetryAttempts":3},"deadLetterQueue":"arn:aws:sqs:eu-central-1:123456789012:savings-plan-buy-dev-notifications-dlq"}]',
    ]);
  });
});
