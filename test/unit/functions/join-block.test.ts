/**
 * Aggregated mode's join (`functions/join-block/join.ts`): the window a slot joins (the margin
 * before a window's end sends it to the next), the one conditional write that makes it a member,
 * the block's message for the worker (sent once per execution environment and block, delayed to
 * the seal), what a slot already in a block is answered, and the pre-traffic probe.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { blockMemberKey } from '#shared/blocks.ts';
import {
  answerProbe,
  InvalidJoinEventError,
  joinBlock,
  sealDelaySeconds,
  type JoinBlockEvent,
  type JoinDependencies,
} from '../../../functions/join-block/join.ts';

const SLOT: JoinBlockEvent = {
  userId: 'u-1',
  planId: 'p-1',
  scheduledFor: '2027-03-02T08:00:00.000Z',
  amount: '25.00',
  currency: 'EUR',
  version: 3,
};
const AT = (iso: string) => () => Date.parse(iso);

interface Recorder {
  readonly deps: JoinDependencies;
  readonly table: unknown[];
  readonly queue: unknown[];
}

/** Dependencies that record each command's input; the update fails when `taken` says so. */
function recorder(
  options: {
    now?: () => number;
    taken?: boolean;
    inBlock?: string | null;
    announced?: Map<string, number>;
  } = {},
): Recorder {
  const table: unknown[] = [];
  const queue: unknown[] = [];
  const deps: JoinDependencies = {
    dynamodb: {
      send: async (command) => {
        table.push({ [command.constructor.name]: command.input });
        if (command instanceof UpdateCommand && options.taken === true) {
          throw new ConditionalCheckFailedException({ message: 'taken', $metadata: {} });
        }
        if (command instanceof GetCommand) {
          return options.inBlock === null || options.inBlock === undefined
            ? { Item: {} }
            : { Item: { blockId: options.inBlock } };
        }
        return {};
      },
    },
    sqs: {
      send: async (command) => {
        queue.push(command instanceof SendMessageCommand ? command.input : command);
        return {};
      },
    },
    executionsTable: 'executions',
    blockOrdersQueueUrl: 'https://sqs/block-orders',
    windowSeconds: 60,
    now: options.now ?? AT('2027-03-02T08:00:01.250Z'),
    announced: options.announced ?? new Map(),
  };
  return { deps, table, queue };
}

const BLOCK = 'EUR#2027-03-02T08:00:00.000Z';

describe('joinBlock', () => {
  it('joins the current window’s block with one conditional write on the PENDING execution', async () => {
    const { deps, table } = recorder();
    await expect(joinBlock(SLOT, deps)).resolves.toEqual({ blockId: BLOCK });
    expect(table).toEqual([
      {
        UpdateCommand: {
          TableName: 'executions',
          Key: { ownerPlan: 'u-1#p-1', scheduledFor: SLOT.scheduledFor },
          UpdateExpression:
            'SET #blockId = :blockId, #blockMember = :member, #blockQuote = :quote, #blockJoinedAt = :now, updatedAt = :now',
          ConditionExpression: '#status = :pending AND attribute_not_exists(#blockId)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#blockId': 'blockId',
            '#blockMember': 'blockMember',
            '#blockQuote': 'blockQuote',
            '#blockJoinedAt': 'blockJoinedAt',
          },
          ExpressionAttributeValues: {
            ':pending': 'PENDING',
            ':blockId': BLOCK,
            ':member': blockMemberKey(BLOCK, 'p-1'),
            ':quote': '2500',
            ':now': '2027-03-02T08:00:01.250Z',
          },
        },
      },
    ]);
  });

  it('first sends the block’s message, delayed until the worker may seal the window', async () => {
    const { deps, queue } = recorder();
    await joinBlock(SLOT, deps);
    // Sealed at 08:01:05 (window end plus 5 s); 63.75 s from now, rounded up.
    expect(queue).toEqual([
      {
        QueueUrl: 'https://sqs/block-orders',
        MessageBody: JSON.stringify({ blockId: BLOCK }),
        DelaySeconds: 64,
      },
    ]);
    expect([...deps.announced]).toEqual([[BLOCK, Date.parse('2027-03-02T08:01:05.000Z')]]);
  });

  it('sends the message once per execution environment and block', async () => {
    const announced = new Map<string, number>();
    const first = recorder({ announced });
    await joinBlock(SLOT, first.deps);
    const second = recorder({ announced, now: AT('2027-03-02T08:00:30.000Z') });
    await joinBlock({ ...SLOT, planId: 'p-2' }, second.deps);
    expect(second.queue).toEqual([]);
    expect(second.table).toHaveLength(1);
    const usd = recorder({ announced });
    await joinBlock({ ...SLOT, currency: 'USD' }, usd.deps);
    expect(usd.queue).toEqual([
      {
        QueueUrl: 'https://sqs/block-orders',
        MessageBody: JSON.stringify({ blockId: 'USD#2027-03-02T08:00:00.000Z' }),
        DelaySeconds: 64,
      },
    ]);
  });

  it('joins the next window within the margin before a window’s end', async () => {
    const { deps, queue } = recorder({ now: AT('2027-03-02T08:00:58.500Z') });
    await expect(joinBlock(SLOT, deps)).resolves.toEqual({
      blockId: 'EUR#2027-03-02T08:01:00.000Z',
    });
    expect(queue).toEqual([
      {
        QueueUrl: 'https://sqs/block-orders',
        MessageBody: JSON.stringify({ blockId: 'EUR#2027-03-02T08:01:00.000Z' }),
        DelaySeconds: 67,
      },
    ]);
  });

  it('forgets the blocks whose window is sealed, so a later window announces its own', async () => {
    const announced = new Map([
      ['EUR#2027-03-02T07:58:00.000Z', Date.parse('2027-03-02T07:59:05Z')],
    ]);
    const { deps } = recorder({ announced });
    await joinBlock(SLOT, deps);
    expect([...announced.keys()]).toEqual([BLOCK]);
  });

  it('answers the block a slot is already in, read consistently, without joining again', async () => {
    const { deps, table } = recorder({ taken: true, inBlock: 'EUR#2027-03-02T07:59:00.000Z' });
    await expect(joinBlock(SLOT, deps)).resolves.toEqual({
      blockId: 'EUR#2027-03-02T07:59:00.000Z',
    });
    expect(table.at(-1)).toEqual({
      GetCommand: {
        TableName: 'executions',
        Key: { ownerPlan: 'u-1#p-1', scheduledFor: SLOT.scheduledFor },
        ProjectionExpression: '#blockId',
        ExpressionAttributeNames: { '#blockId': 'blockId' },
        ConsistentRead: true,
      },
    });
  });

  it('answers null for a slot that is final (or no longer PENDING) and in no block', async () => {
    const { deps } = recorder({ taken: true, inBlock: null });
    await expect(joinBlock(SLOT, deps)).resolves.toEqual({ blockId: null });
  });

  it('lets any other failure of the write through, so the workflow retries the slot', async () => {
    const { deps } = recorder();
    const failing: JoinDependencies = {
      ...deps,
      dynamodb: {
        send: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
      },
    };
    await expect(joinBlock(SLOT, failing)).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
  });

  it('writes nothing when the block’s message could not be sent', async () => {
    const { deps, table } = recorder();
    const failing: JoinDependencies = {
      ...deps,
      sqs: {
        send: async () => {
          throw new Error('KMS.ThrottlingException');
        },
      },
    };
    await expect(joinBlock(SLOT, failing)).rejects.toThrow('KMS.ThrottlingException');
    expect(table).toEqual([]);
    expect(deps.announced.size).toBe(0);
  });

  it.each([
    [{ ...SLOT, amount: '25.001' }, "'25.001' must have at most 2 decimal places"],
    [{ ...SLOT, amount: '0.00' }, 'amount must be more than zero'],
    [{ ...SLOT, currency: 'XYZ' }, 'unsupported currency XYZ'],
    [{ ...SLOT, planId: '' }, 'planId must be a non-empty string'],
    [{ ...SLOT, scheduledFor: 'tomorrow' }, 'scheduledFor must be an ISO instant'],
    [{ ...SLOT, version: 1.5 }, 'version must be a whole number'],
  ])('refuses an event the workflow could not have sent: %j', async (event, message) => {
    const { deps, table, queue } = recorder();
    await expect(joinBlock(event, deps)).rejects.toThrow(new InvalidJoinEventError(message));
    expect({ table, queue }).toEqual({ table: [], queue: [] });
  });
});

describe('answerProbe (the pre-traffic hook’s request)', () => {
  const READ = {
    GetCommand: {
      TableName: 'executions',
      Key: { ownerPlan: 'pre-traffic#probe', scheduledFor: '1970-01-01T00:00:00.000Z' },
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#status': 'status' },
      ConsistentRead: true,
    },
  };

  it('reads the execution of a slot no plan has, and nothing else: no message, no write', async () => {
    const { deps, table, queue } = recorder({ inBlock: null });
    // The recorder finds an item for every read: here the answer says it was found.
    expect(await answerProbe(deps)).toEqual({ probe: 'pre-traffic', executionFound: true });
    expect({ table, queue }).toEqual({ table: [READ], queue: [] });
  });

  it('answers executionFound false when the read finds nothing, as on every real stack', async () => {
    const table: unknown[] = [];
    const answer = await answerProbe({
      dynamodb: {
        send: async (command) => {
          table.push({ [command.constructor.name]: command.input });
          return {};
        },
      },
      executionsTable: 'executions',
    });
    expect(answer).toEqual({ probe: 'pre-traffic', executionFound: false });
    expect(table).toEqual([READ]);
  });
});

describe('sealDelaySeconds', () => {
  const start = Date.parse('2027-03-02T08:00:00Z');

  it('waits until the window’s end plus the seal grace, rounded up to whole seconds', () => {
    expect(sealDelaySeconds(start, 60, start + 100)).toBe(65);
  });

  it('is never more than SQS’s 900 seconds, nor less than 0', () => {
    expect(sealDelaySeconds(start, 900, start)).toBe(900);
    expect(sealDelaySeconds(start, 60, start + 70_000)).toBe(0);
  });
});
