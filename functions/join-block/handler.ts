/**
 * Purchase workflow step in aggregated mode (`execution.mode: aggregated`): joins a slot that
 * Decide said BUY for to its market's block for the current window (`join.ts`), and answers
 * `{ blockId }`. The block worker places the block's order and finishes the slot.
 *
 * Configuration is checked at cold start. A stack in per-slot mode never routes a slot here; an
 * invocation that reaches it anyway (a run of the previous workflow version, started before the
 * mode changed) fails with {@link NotAggregatedError} and the workflow defers the slot to the
 * retry queue, whose restart takes the per-slot path.
 *
 * The pre-traffic hook's probe (`JOIN_BLOCK_PROBE`) is answered first, in either mode: a per-slot
 * stack releases join-block too, and the probe only reads.
 */
import { documentClient, sqsClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { readExecutionSettings } from '#shared/execution-settings.ts';
import {
  isJoinBlockProbe,
  type JOIN_BLOCK_PROBE,
  type JoinBlockProbeAnswer,
} from '#shared/release.ts';
import { answerProbe, joinBlock, type JoinBlockEvent, type JoinBlockResult } from './join.ts';

const env = requireEnvironment([
  'EXECUTIONS_TABLE',
  'BLOCK_ORDERS_QUEUE_URL',
  'EXECUTION_SETTINGS',
]);
const settings = readExecutionSettings(env.EXECUTION_SETTINGS);
const dynamodb = documentClient();
const sqs = sqsClient();
/** Blocks whose message this execution environment has sent (`join.ts`). */
const announced = new Map<string, number>();

/** The stack executes per slot: no block to join. */
export class NotAggregatedError extends Error {
  constructor() {
    super('this stack executes per slot (execution.mode): there is no block to join');
    this.name = 'NotAggregatedError';
  }
}

export const handler = async (
  event: JoinBlockEvent | typeof JOIN_BLOCK_PROBE,
): Promise<JoinBlockResult | JoinBlockProbeAnswer> => {
  if (isJoinBlockProbe(event)) {
    return answerProbe({ dynamodb, executionsTable: env.EXECUTIONS_TABLE });
  }
  if (settings.mode !== 'aggregated') throw new NotAggregatedError();
  return joinBlock(event, {
    dynamodb,
    sqs,
    executionsTable: env.EXECUTIONS_TABLE,
    blockOrdersQueueUrl: env.BLOCK_ORDERS_QUEUE_URL,
    windowSeconds: settings.windowSeconds,
    now: () => Date.now(),
    announced,
  });
};
