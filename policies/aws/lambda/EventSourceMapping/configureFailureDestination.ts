import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isSet } from '../../../lib/values.ts';

const MESSAGE =
  'Lambda event source mappings on streams must keep the batches they fail: set destinationConfig.onFailure.destinationArn to a queue (with maximumRetryAttempts bounded).';

/** A stream's failed batch blocks its shard until it expires; a destination records what was skipped. */
export const configureFailureDestination: PackResourcePolicy = {
  name: 'aws-lambda-eventsourcemapping-configure-failure-destination',
  description:
    'Checks that Lambda event source mappings on DynamoDB and Kinesis streams have an on-failure destination.',
  enforcementLevel: 'advisory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.lambda.EventSourceMapping,
    (mapping, _args, reportViolation) => {
      // Checked first: with a destination the source (unknown during preview) does not matter.
      if (isSet(() => mapping.destinationConfig?.onFailure?.destinationArn)) return;
      const source = mapping.eventSourceArn;
      const stream =
        typeof source === 'string' &&
        ((source.includes(':dynamodb:') && source.includes('/stream/')) ||
          source.includes(':kinesis:'));
      if (stream) reportViolation(MESSAGE);
    },
  ),
};
