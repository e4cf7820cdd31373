/**
 * The deliberately non-compliant program (`fixtures/noncompliant/`) through the same report code
 * as the real one: the report fails and names each violation; every policy of the pack finds
 * something in it.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { policies } from '../../../policies/pack.ts';
import { runCompliance } from '../../../policies/report/compliance.ts';
import type { ComplianceReport } from '../../../policies/report/report.ts';

const FIXTURE = fileURLToPath(new URL('fixtures/noncompliant/index.ts', import.meta.url));

let report: ComplianceReport;

beforeAll(async () => {
  ({ report } = await runCompliance('prod', { program: FIXTURE }));
});

it('fails the report', () => {
  expect(report.passed).toBe(false);
  expect(report.summary).toEqual({
    // 36 resources, the alarms and the explicit provider it adds, and the default provider.
    resources: 40,
    policies: policies.length,
    mandatoryViolations: 86,
    advisoryViolations: 35,
  });
});

it('names each violation: level, policy and resource', () => {
  expect(
    report.violations.map(
      (violation) =>
        `${violation.enforcementLevel} ${violation.policy} ${violation.resource ?? '(stack)'}`,
    ),
  ).toEqual([
    'mandatory aws-appsync-graphqlapi-configure-resolver-count-limit aws:appsync/graphQLApi:GraphQLApi::api-key',
    'mandatory aws-appsync-graphqlapi-disable-introspection aws:appsync/graphQLApi:GraphQLApi::api-key',
    'mandatory aws-appsync-graphqlapi-disallow-api-key-authentication aws:appsync/apiKey:ApiKey::api-key',
    'mandatory aws-appsync-graphqlapi-disallow-api-key-authentication aws:appsync/graphQLApi:GraphQLApi::api-key',
    'mandatory aws-appsync-graphqlapi-enable-field-logging aws:appsync/graphQLApi:GraphQLApi::api-key',
    'mandatory aws-appsync-graphqlapi-enable-waf-rate-limit aws:appsync/graphQLApi:GraphQLApi::api-key',
    'mandatory aws-cloudtrail-trail-enable-cloud-watch-logs aws:cloudtrail/trail:Trail::partial',
    'mandatory aws-cloudtrail-trail-enable-customer-key-encryption aws:cloudtrail/trail:Trail::partial',
    'mandatory aws-cloudtrail-trail-enable-log-file-validation aws:cloudtrail/trail:Trail::partial',
    'mandatory aws-cloudtrail-trail-enable-multi-region aws:cloudtrail/trail:Trail::partial',
    'mandatory aws-cloudwatch-compositealarm-configure-alarm-actions aws:cloudwatch/compositeAlarm:CompositeAlarm::nobody-hears',
    'mandatory aws-cloudwatch-eventarchive-enable-customer-key-encryption aws:cloudwatch/eventArchive:EventArchive::unencrypted',
    'mandatory aws-cloudwatch-eventbus-disallow-public-access aws:cloudwatch/eventBusPolicy:EventBusPolicy::open',
    'mandatory aws-cloudwatch-eventbus-enable-customer-key-encryption aws:cloudwatch/eventBus:EventBus::open',
    'mandatory aws-cloudwatch-loggroup-enable-customer-key-encryption aws:cloudwatch/logGroup:LogGroup::forever',
    'mandatory aws-cloudwatch-metricalarm-configure-alarm-actions aws:cloudwatch/metricAlarm:MetricAlarm::unheard',
    'mandatory aws-cognito-userpool-configure-password-policy aws:cognito/userPool:UserPool::weak',
    'mandatory aws-cognito-userpool-enable-threat-protection aws:cognito/userPool:UserPool::weak',
    'mandatory aws-dynamodb-table-enable-customer-key-encryption aws:dynamodb/table:Table::unencrypted',
    'mandatory aws-dynamodb-table-enable-deletion-protection aws:dynamodb/table:Table::unencrypted',
    'mandatory aws-dynamodb-table-enable-point-in-time-recovery aws:dynamodb/table:Table::unencrypted',
    'mandatory aws-iam-policy-disallow-all-resources aws:iam/rolePolicy:RolePolicy::admin',
    'mandatory aws-iam-policy-disallow-all-resources aws:iam/rolePolicy:RolePolicy::wildcards',
    'mandatory aws-iam-policy-disallow-all-resources aws:iam/rolePolicy:RolePolicy::wildcards',
    'mandatory aws-iam-policy-disallow-all-resources aws:iam/rolePolicy:RolePolicy::wildcards',
    'mandatory aws-iam-policy-disallow-all-resources aws:iam/userPolicy:UserPolicy::operator',
    'mandatory aws-iam-policy-disallow-decrypt-on-all-keys aws:iam/rolePolicy:RolePolicy::admin',
    'mandatory aws-iam-policy-disallow-decrypt-on-all-keys aws:iam/rolePolicy:RolePolicy::wildcards',
    'mandatory aws-iam-policy-disallow-decrypt-on-all-keys aws:iam/userPolicy:UserPolicy::operator',
    'mandatory aws-iam-policy-disallow-service-wildcard-actions aws:iam/rolePolicy:RolePolicy::wildcards',
    'mandatory aws-iam-policy-disallow-sms-from-any-origination-identity aws:iam/rolePolicy:RolePolicy::admin',
    'mandatory aws-iam-policy-disallow-sms-from-any-origination-identity aws:iam/userPolicy:UserPolicy::operator',
    'mandatory aws-iam-policy-disallow-wildcard-actions aws:iam/rolePolicy:RolePolicy::admin',
    'mandatory aws-iam-policy-disallow-wildcard-actions aws:iam/userPolicy:UserPolicy::operator',
    'mandatory aws-iam-policy-enforce-pass-role-scope aws:iam/rolePolicy:RolePolicy::admin',
    'mandatory aws-iam-policy-enforce-pass-role-scope aws:iam/rolePolicy:RolePolicy::admin',
    'mandatory aws-iam-policy-enforce-pass-role-scope aws:iam/rolePolicy:RolePolicy::wildcards',
    'mandatory aws-iam-policy-enforce-pass-role-scope aws:iam/rolePolicy:RolePolicy::wildcards',
    'mandatory aws-iam-policy-enforce-pass-role-scope aws:iam/userPolicy:UserPolicy::operator',
    'mandatory aws-iam-policy-enforce-pass-role-scope aws:iam/userPolicy:UserPolicy::operator',
    'mandatory aws-iam-role-disallow-public-trust aws:iam/role:Role::wide-open',
    'mandatory aws-iam-user-disallow-attached-policies aws:iam/userPolicy:UserPolicy::operator',
    'mandatory aws-index-provider-configure-allowed-account-ids pulumi:providers:aws::anywhere',
    'mandatory aws-kinesis-firehosedeliverystream-enable-customer-key-encryption aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream::unencrypted',
    'mandatory aws-kinesis-firehosedeliverystream-enable-customer-key-encryption aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream::unencrypted',
    'mandatory aws-kms-key-disallow-public-access aws:kms/key:Key::public',
    'mandatory aws-kms-key-disallow-root-usage-grant aws:kms/key:Key::account-wide',
    'mandatory aws-kms-key-enable-key-rotation aws:kms/key:Key::public',
    'mandatory aws-kms-key-enforce-log-group-encryption-context aws:kms/key:Key::account-wide',
    'mandatory aws-lambda-function-configure-error-alarm aws:lambda/function:Function::old-runtime',
    'mandatory aws-lambda-function-enforce-sms-protect-configuration aws:lambda/function:Function::old-runtime',
    'mandatory aws-lambda-function-enforce-supported-runtime aws:lambda/function:Function::old-runtime',
    'mandatory aws-lambda-permission-disallow-public-access aws:lambda/permission:Permission::anyone',
    'mandatory aws-s3-accountpublicaccessblock-enable-public-access-block aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock::account',
    'mandatory aws-s3-bucket-configure-audit-object-lock aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-s3-bucket-configure-lifecycle aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-configure-lifecycle aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-s3-bucket-disable-acls aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-disable-acls aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-s3-bucket-disallow-cross-account-administration aws:s3/bucketPolicy:BucketPolicy::public',
    'mandatory aws-s3-bucket-disallow-public-access aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-disallow-public-access aws:s3/bucketPolicy:BucketPolicy::public',
    'mandatory aws-s3-bucket-enable-access-logging aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-enable-access-logging aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-s3-bucket-enable-customer-key-encryption aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-enable-customer-key-encryption aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-s3-bucket-enable-public-access-block aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-enable-public-access-block aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-s3-bucket-enable-versioning aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-enable-versioning aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-s3-bucket-enforce-secure-transport aws:s3/bucket:Bucket::public',
    'mandatory aws-s3-bucket-enforce-secure-transport aws:s3/bucket:Bucket::unlocked-audit',
    'mandatory aws-scheduler-schedule-enable-customer-key-encryption aws:scheduler/schedule:Schedule::unencrypted',
    'mandatory aws-secretsmanager-secret-disallow-public-access aws:secretsmanager/secretPolicy:SecretPolicy::unrotated',
    'mandatory aws-secretsmanager-secret-enable-customer-key-encryption aws:secretsmanager/secret:Secret::unrotated',
    'mandatory aws-sesv2-configurationset-enforce-feedback (stack)',
    'mandatory aws-sesv2-configurationset-enforce-feedback aws:sesv2/configurationSet:ConfigurationSet::unsuppressed',
    'mandatory aws-sesv2-configurationset-enforce-feedback aws:sesv2/configurationSet:ConfigurationSet::unsuppressed',
    'mandatory aws-sesv2-configurationset-enforce-feedback aws:sesv2/emailIdentity:EmailIdentity::unsuppressed',
    'mandatory aws-sfn-statemachine-enable-customer-key-encryption aws:sfn/stateMachine:StateMachine::silent',
    'mandatory aws-sfn-statemachine-enable-logging aws:sfn/stateMachine:StateMachine::silent',
    'mandatory aws-sns-topic-disallow-public-access aws:sns/topic:Topic::open',
    'mandatory aws-sns-topic-enable-customer-key-encryption aws:sns/topic:Topic::open',
    'mandatory aws-sqs-queue-configure-dead-letter-alarm aws:sqs/queue:Queue::open',
    'mandatory aws-sqs-queue-disallow-public-access aws:sqs/queuePolicy:QueuePolicy::open',
    'mandatory aws-sqs-queue-enable-customer-key-encryption aws:sqs/queue:Queue::open',
    'advisory aws-all-resource-missing-required-tags aws:appsync/graphQLApi:GraphQLApi::api-key',
    'advisory aws-all-resource-missing-required-tags aws:cloudtrail/trail:Trail::partial',
    'advisory aws-all-resource-missing-required-tags aws:cloudwatch/compositeAlarm:CompositeAlarm::nobody-hears',
    'advisory aws-all-resource-missing-required-tags aws:cloudwatch/eventBus:EventBus::open',
    'advisory aws-all-resource-missing-required-tags aws:cloudwatch/eventRule:EventRule::every-minute',
    'advisory aws-all-resource-missing-required-tags aws:cloudwatch/logGroup:LogGroup::forever',
    'advisory aws-all-resource-missing-required-tags aws:cloudwatch/metricAlarm:MetricAlarm::unheard',
    'advisory aws-all-resource-missing-required-tags aws:cognito/userPool:UserPool::weak',
    'advisory aws-all-resource-missing-required-tags aws:dynamodb/table:Table::unencrypted',
    'advisory aws-all-resource-missing-required-tags aws:iam/role:Role::wide-open',
    'advisory aws-all-resource-missing-required-tags aws:iam/user:User::operator',
    'advisory aws-all-resource-missing-required-tags aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream::unencrypted',
    'advisory aws-all-resource-missing-required-tags aws:kms/key:Key::account-wide',
    'advisory aws-all-resource-missing-required-tags aws:kms/key:Key::public',
    'advisory aws-all-resource-missing-required-tags aws:lambda/eventSourceMapping:EventSourceMapping::stream',
    'advisory aws-all-resource-missing-required-tags aws:lambda/function:Function::old-runtime',
    'advisory aws-all-resource-missing-required-tags aws:s3/bucket:Bucket::public',
    'advisory aws-all-resource-missing-required-tags aws:s3/bucket:Bucket::unlocked-audit',
    'advisory aws-all-resource-missing-required-tags aws:secretsmanager/secret:Secret::unrotated',
    'advisory aws-all-resource-missing-required-tags aws:sesv2/configurationSet:ConfigurationSet::unsuppressed',
    'advisory aws-all-resource-missing-required-tags aws:sesv2/emailIdentity:EmailIdentity::unsuppressed',
    'advisory aws-all-resource-missing-required-tags aws:sfn/stateMachine:StateMachine::silent',
    'advisory aws-all-resource-missing-required-tags aws:sns/topic:Topic::open',
    'advisory aws-all-resource-missing-required-tags aws:sqs/queue:Queue::open',
    'advisory aws-cloudwatch-loggroup-configure-retention aws:cloudwatch/logGroup:LogGroup::forever',
    'advisory aws-dynamodb-table-configure-capacity-scaling aws:dynamodb/table:Table::unencrypted',
    'advisory aws-lambda-eventsourcemapping-configure-failure-destination aws:lambda/eventSourceMapping:EventSourceMapping::stream',
    'advisory aws-lambda-function-configure-failure-destination aws:lambda/function:Function::old-runtime',
    'advisory aws-lambda-function-configure-reserved-concurrency aws:lambda/function:Function::old-runtime',
    'advisory aws-lambda-function-enable-tracing aws:lambda/function:Function::old-runtime',
    'advisory aws-s3-bucket-enable-event-notifications aws:s3/bucket:Bucket::public',
    'advisory aws-s3-bucket-enable-event-notifications aws:s3/bucket:Bucket::unlocked-audit',
    'advisory aws-secretsmanager-secret-enable-rotation aws:secretsmanager/secret:Secret::unrotated',
    'advisory aws-sfn-statemachine-enable-tracing aws:sfn/stateMachine:StateMachine::silent',
    'advisory aws-sns-topic-enable-delivery-status-logging aws:sns/topic:Topic::open',
  ]);
});

it('is caught by every policy of the pack', () => {
  expect(report.policies.filter((policy) => policy.status !== 'violated')).toEqual([]);
});

it('says in every message what must be true and how to fix it', () => {
  const shapeless = report.violations
    .map((violation) => violation.message)
    .filter((message) => !/^[^:]* (must|may) [^:]*: [a-z].*\.$/.test(message));
  expect(shapeless).toEqual([]);
});

it('shows every applicable FSBP control violated', () => {
  expect(report.coverage).toMatchObject({
    headline: '36 of 36 applicable FSBP controls enforced',
    met: 0,
    violated: 36,
  });
});
