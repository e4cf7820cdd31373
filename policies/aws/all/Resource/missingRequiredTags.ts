import type { PolicyConfigSchema, ResourceValidationArgs } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import { configOf, type PackResourcePolicy } from '../../../lib/policy.ts';
import { peek, record } from '../../../lib/values.ts';

/**
 * The `@pulumi/aws` resource types that take `tags` and that the project uses or is likely to use.
 * `test/policies/conventions.test.ts` checks each entry against `@pulumi/aws`, and that every
 * type the program registers is either here or takes no tags, so the list cannot go stale.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  'aws:appconfig/application:Application',
  'aws:appconfig/configurationProfile:ConfigurationProfile',
  'aws:appconfig/deployment:Deployment',
  'aws:appconfig/deploymentStrategy:DeploymentStrategy',
  'aws:appconfig/environment:Environment',
  'aws:appsync/graphQLApi:GraphQLApi',
  'aws:cloudtrail/trail:Trail',
  'aws:cloudwatch/compositeAlarm:CompositeAlarm',
  'aws:cloudwatch/eventBus:EventBus',
  'aws:cloudwatch/compositeAlarm:CompositeAlarm',
  'aws:cloudwatch/eventRule:EventRule',
  'aws:cloudwatch/logGroup:LogGroup',
  'aws:cloudwatch/metricAlarm:MetricAlarm',
  'aws:codedeploy/application:Application',
  'aws:codedeploy/deploymentGroup:DeploymentGroup',
  'aws:cognito/userPool:UserPool',
  'aws:dynamodb/table:Table',
  'aws:iam/openIdConnectProvider:OpenIdConnectProvider',
  'aws:iam/policy:Policy',
  'aws:iam/role:Role',
  'aws:iam/user:User',
  'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
  'aws:kinesis/stream:Stream',
  'aws:kms/key:Key',
  'aws:lambda/eventSourceMapping:EventSourceMapping',
  'aws:lambda/function:Function',
  'aws:s3/bucket:Bucket',
  'aws:s3/bucketV2:BucketV2',
  'aws:scheduler/scheduleGroup:ScheduleGroup',
  'aws:secretsmanager/secret:Secret',
  'aws:sesv2/configurationSet:ConfigurationSet',
  'aws:sesv2/emailIdentity:EmailIdentity',
  'aws:sfn/stateMachine:StateMachine',
  'aws:sns/topic:Topic',
  'aws:sqs/queue:Queue',
  'aws:wafv2/webAcl:WebAcl',
]);

const configSchema: PolicyConfigSchema = {
  properties: {
    requiredTags: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      // The stack's `tags` config (environment, owner, data-classification) plus the two the
      // program adds to every resource (infra/index.ts).
      default: ['project', 'stack', 'environment', 'owner', 'data-classification'],
    },
  },
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The provider's default tags, which it applies to every resource it creates. Provider inputs
 * reach the analyzer JSON-encoded.
 */
function providerTags(args: ResourceValidationArgs): Record<string, unknown> {
  const tags = peek(() => {
    const raw: unknown = args.provider?.props.defaultTags;
    return record(record(typeof raw === 'string' ? parseJson(raw) : raw)?.tags);
  });
  return tags.known ? (tags.value ?? {}) : {};
}

/** Cost, ownership and data classification are read from tags; an untagged resource has none. */
export const missingRequiredTags: PackResourcePolicy = {
  name: 'aws-all-resource-missing-required-tags',
  description:
    'Checks that every taggable resource carries the required tags (project, stack, environment, owner, data-classification).',
  enforcementLevel: 'advisory',
  remediationSteps:
    "Pass the stack's tags (config `tags` plus project and stack) to the resource, or set them as the provider's defaultTags.",
  configSchema,
  ...ownRule(),
  validateResource: (args, reportViolation) => {
    if (!TAGGABLE_TYPES.has(args.type)) return;
    const { requiredTags } = configOf<{ requiredTags: string[] }>(configSchema, args);
    const tags = { ...providerTags(args), ...(record(args.props.tags) ?? {}) };
    const missing = requiredTags.filter((key) => {
      const value = peek(() => tags[key]);
      return value.known && (typeof value.value !== 'string' || value.value === '');
    });
    if (missing.length > 0) {
      reportViolation(
        `Resources must carry the required tags: add ${missing.join(', ')} to tags (the stack's tags config plus project and stack).`,
      );
    }
  },
};
