import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isSet } from '../../../lib/values.ts';

const MESSAGE =
  'SNS topics must log failed deliveries: set the <protocol>FailureFeedbackRoleArn (sqs, lambda, http, firehose or application) of each protocol the topic delivers to.';

export const enableDeliveryStatusLogging: PackResourcePolicy = {
  name: 'aws-sns-topic-enable-delivery-status-logging',
  description: 'Checks that SNS topics log delivery status to CloudWatch Logs.',
  enforcementLevel: 'advisory',
  remediationSteps: MESSAGE,
  ...fsbp('SNS.2'),
  validateResource: validateResourceOfType(aws.sns.Topic, (topic, _args, reportViolation) => {
    const roles = [
      () => topic.sqsFailureFeedbackRoleArn,
      () => topic.lambdaFailureFeedbackRoleArn,
      () => topic.httpFailureFeedbackRoleArn,
      () => topic.firehoseFailureFeedbackRoleArn,
      () => topic.applicationFailureFeedbackRoleArn,
    ];
    if (!roles.some(isSet)) reportViolation(MESSAGE);
  }),
};
