/** The audit rule and its dead-letter queue as the topology declares them, for the trail's tests. */
import { topology } from '#shared/topology.ts';
import { ACCOUNT, REGION } from './component-harness.ts';

export function auditRecording(prefix = 'savings-plan-buy-prod') {
  const declared = topology({ prefix, region: REGION, accountId: ACCOUNT });
  return { rule: declared.rules.audit, deadLetterQueue: declared.queues['audit-dlq'] };
}
