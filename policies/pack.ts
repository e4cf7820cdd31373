/**
 * Every policy of the pack, in the order the report lists them. Policies live one per file under
 * `aws/<service>/<Resource>/` (see the README's "Adding a policy"); the conventions test fails if
 * a policy file is missing here.
 */
import { missingRequiredTags as allResourceMissingRequiredTags } from './aws/all/Resource/missingRequiredTags.ts';
import { configureResolverCountLimit as appsyncGraphQLApiConfigureResolverCountLimit } from './aws/appsync/GraphQLApi/configureResolverCountLimit.ts';
import { disableIntrospection as appsyncGraphQLApiDisableIntrospection } from './aws/appsync/GraphQLApi/disableIntrospection.ts';
import { disallowApiKeyAuthentication as appsyncGraphQLApiDisallowApiKeyAuthentication } from './aws/appsync/GraphQLApi/disallowApiKeyAuthentication.ts';
import { enableFieldLogging as appsyncGraphQLApiEnableFieldLogging } from './aws/appsync/GraphQLApi/enableFieldLogging.ts';
import { enableWafRateLimit as appsyncGraphQLApiEnableWafRateLimit } from './aws/appsync/GraphQLApi/enableWafRateLimit.ts';
import { enableCloudWatchLogs as cloudtrailTrailEnableCloudWatchLogs } from './aws/cloudtrail/Trail/enableCloudWatchLogs.ts';
import { enableCustomerKeyEncryption as cloudtrailTrailEnableCustomerKeyEncryption } from './aws/cloudtrail/Trail/enableCustomerKeyEncryption.ts';
import { enableLogFileValidation as cloudtrailTrailEnableLogFileValidation } from './aws/cloudtrail/Trail/enableLogFileValidation.ts';
import { enableMultiRegion as cloudtrailTrailEnableMultiRegion } from './aws/cloudtrail/Trail/enableMultiRegion.ts';
import { configureAlarmActions as cloudwatchCompositeAlarmConfigureAlarmActions } from './aws/cloudwatch/CompositeAlarm/configureAlarmActions.ts';
import { enableCustomerKeyEncryption as cloudwatchEventArchiveEnableCustomerKeyEncryption } from './aws/cloudwatch/EventArchive/enableCustomerKeyEncryption.ts';
import { disallowPublicAccess as cloudwatchEventBusDisallowPublicAccess } from './aws/cloudwatch/EventBus/disallowPublicAccess.ts';
import { enableCustomerKeyEncryption as cloudwatchEventBusEnableCustomerKeyEncryption } from './aws/cloudwatch/EventBus/enableCustomerKeyEncryption.ts';
import { configureRetention as cloudwatchLogGroupConfigureRetention } from './aws/cloudwatch/LogGroup/configureRetention.ts';
import { enableCustomerKeyEncryption as cloudwatchLogGroupEnableCustomerKeyEncryption } from './aws/cloudwatch/LogGroup/enableCustomerKeyEncryption.ts';
import { configureAlarmActions as cloudwatchMetricAlarmConfigureAlarmActions } from './aws/cloudwatch/MetricAlarm/configureAlarmActions.ts';
import { configurePasswordPolicy as cognitoUserPoolConfigurePasswordPolicy } from './aws/cognito/UserPool/configurePasswordPolicy.ts';
import { enableThreatProtection as cognitoUserPoolEnableThreatProtection } from './aws/cognito/UserPool/enableThreatProtection.ts';
import { configureCapacityScaling as dynamodbTableConfigureCapacityScaling } from './aws/dynamodb/Table/configureCapacityScaling.ts';
import { enableCustomerKeyEncryption as dynamodbTableEnableCustomerKeyEncryption } from './aws/dynamodb/Table/enableCustomerKeyEncryption.ts';
import { enableDeletionProtection as dynamodbTableEnableDeletionProtection } from './aws/dynamodb/Table/enableDeletionProtection.ts';
import { enablePointInTimeRecovery as dynamodbTableEnablePointInTimeRecovery } from './aws/dynamodb/Table/enablePointInTimeRecovery.ts';
import { disallowAllResources as iamPolicyDisallowAllResources } from './aws/iam/Policy/disallowAllResources.ts';
import { disallowDecryptOnAllKeys as iamPolicyDisallowDecryptOnAllKeys } from './aws/iam/Policy/disallowDecryptOnAllKeys.ts';
import { disallowServiceWildcardActions as iamPolicyDisallowServiceWildcardActions } from './aws/iam/Policy/disallowServiceWildcardActions.ts';
import { disallowSmsFromAnyOriginationIdentity as iamPolicyDisallowSmsFromAnyOriginationIdentity } from './aws/iam/Policy/disallowSmsFromAnyOriginationIdentity.ts';
import { disallowWildcardActions as iamPolicyDisallowWildcardActions } from './aws/iam/Policy/disallowWildcardActions.ts';
import { enforcePassRoleScope as iamPolicyEnforcePassRoleScope } from './aws/iam/Policy/enforcePassRoleScope.ts';
import { disallowPublicTrust as iamRoleDisallowPublicTrust } from './aws/iam/Role/disallowPublicTrust.ts';
import { disallowAttachedPolicies as iamUserDisallowAttachedPolicies } from './aws/iam/User/disallowAttachedPolicies.ts';
import { configureAllowedAccountIds as indexProviderConfigureAllowedAccountIds } from './aws/index/Provider/configureAllowedAccountIds.ts';
import { enableCustomerKeyEncryption as kinesisFirehoseDeliveryStreamEnableCustomerKeyEncryption } from './aws/kinesis/FirehoseDeliveryStream/enableCustomerKeyEncryption.ts';
import { disallowPublicAccess as kmsKeyDisallowPublicAccess } from './aws/kms/Key/disallowPublicAccess.ts';
import { disallowRootUsageGrant as kmsKeyDisallowRootUsageGrant } from './aws/kms/Key/disallowRootUsageGrant.ts';
import { enableKeyRotation as kmsKeyEnableKeyRotation } from './aws/kms/Key/enableKeyRotation.ts';
import { enforceLogGroupEncryptionContext as kmsKeyEnforceLogGroupEncryptionContext } from './aws/kms/Key/enforceLogGroupEncryptionContext.ts';
import { configureFailureDestination as lambdaEventSourceMappingConfigureFailureDestination } from './aws/lambda/EventSourceMapping/configureFailureDestination.ts';
import { configureErrorAlarm as lambdaFunctionConfigureErrorAlarm } from './aws/lambda/Function/configureErrorAlarm.ts';
import { configureFailureDestination as lambdaFunctionConfigureFailureDestination } from './aws/lambda/Function/configureFailureDestination.ts';
import { configureReservedConcurrency as lambdaFunctionConfigureReservedConcurrency } from './aws/lambda/Function/configureReservedConcurrency.ts';
import { enableTracing as lambdaFunctionEnableTracing } from './aws/lambda/Function/enableTracing.ts';
import { enforceSmsProtectConfiguration as lambdaFunctionEnforceSmsProtectConfiguration } from './aws/lambda/Function/enforceSmsProtectConfiguration.ts';
import { enforceSupportedRuntime as lambdaFunctionEnforceSupportedRuntime } from './aws/lambda/Function/enforceSupportedRuntime.ts';
import { disallowPublicAccess as lambdaPermissionDisallowPublicAccess } from './aws/lambda/Permission/disallowPublicAccess.ts';
import { enablePublicAccessBlock as s3AccountPublicAccessBlockEnablePublicAccessBlock } from './aws/s3/AccountPublicAccessBlock/enablePublicAccessBlock.ts';
import { configureAuditObjectLock as s3BucketConfigureAuditObjectLock } from './aws/s3/Bucket/configureAuditObjectLock.ts';
import { configureLifecycle as s3BucketConfigureLifecycle } from './aws/s3/Bucket/configureLifecycle.ts';
import { disableAcls as s3BucketDisableAcls } from './aws/s3/Bucket/disableAcls.ts';
import { disallowCrossAccountAdministration as s3BucketDisallowCrossAccountAdministration } from './aws/s3/Bucket/disallowCrossAccountAdministration.ts';
import { disallowPublicAccess as s3BucketDisallowPublicAccess } from './aws/s3/Bucket/disallowPublicAccess.ts';
import { enableAccessLogging as s3BucketEnableAccessLogging } from './aws/s3/Bucket/enableAccessLogging.ts';
import { enableCustomerKeyEncryption as s3BucketEnableCustomerKeyEncryption } from './aws/s3/Bucket/enableCustomerKeyEncryption.ts';
import { enableEventNotifications as s3BucketEnableEventNotifications } from './aws/s3/Bucket/enableEventNotifications.ts';
import { enablePublicAccessBlock as s3BucketEnablePublicAccessBlock } from './aws/s3/Bucket/enablePublicAccessBlock.ts';
import { enableVersioning as s3BucketEnableVersioning } from './aws/s3/Bucket/enableVersioning.ts';
import { enforceSecureTransport as s3BucketEnforceSecureTransport } from './aws/s3/Bucket/enforceSecureTransport.ts';
import { enableCustomerKeyEncryption as schedulerScheduleEnableCustomerKeyEncryption } from './aws/scheduler/Schedule/enableCustomerKeyEncryption.ts';
import { disallowPublicAccess as secretsmanagerSecretDisallowPublicAccess } from './aws/secretsmanager/Secret/disallowPublicAccess.ts';
import { enableCustomerKeyEncryption as secretsmanagerSecretEnableCustomerKeyEncryption } from './aws/secretsmanager/Secret/enableCustomerKeyEncryption.ts';
import { enableRotation as secretsmanagerSecretEnableRotation } from './aws/secretsmanager/Secret/enableRotation.ts';
import { enforceFeedback as sesv2ConfigurationSetEnforceFeedback } from './aws/sesv2/ConfigurationSet/enforceFeedback.ts';
import { enableCustomerKeyEncryption as sfnStateMachineEnableCustomerKeyEncryption } from './aws/sfn/StateMachine/enableCustomerKeyEncryption.ts';
import { enableLogging as sfnStateMachineEnableLogging } from './aws/sfn/StateMachine/enableLogging.ts';
import { enableTracing as sfnStateMachineEnableTracing } from './aws/sfn/StateMachine/enableTracing.ts';
import { disallowPublicAccess as snsTopicDisallowPublicAccess } from './aws/sns/Topic/disallowPublicAccess.ts';
import { enableCustomerKeyEncryption as snsTopicEnableCustomerKeyEncryption } from './aws/sns/Topic/enableCustomerKeyEncryption.ts';
import { enableDeliveryStatusLogging as snsTopicEnableDeliveryStatusLogging } from './aws/sns/Topic/enableDeliveryStatusLogging.ts';
import { configureDeadLetterAlarm as sqsQueueConfigureDeadLetterAlarm } from './aws/sqs/Queue/configureDeadLetterAlarm.ts';
import { disallowPublicAccess as sqsQueueDisallowPublicAccess } from './aws/sqs/Queue/disallowPublicAccess.ts';
import { enableCustomerKeyEncryption as sqsQueueEnableCustomerKeyEncryption } from './aws/sqs/Queue/enableCustomerKeyEncryption.ts';
import type { PackPolicy } from './lib/policy.ts';

export const policies: readonly PackPolicy[] = [
  allResourceMissingRequiredTags,
  appsyncGraphQLApiConfigureResolverCountLimit,
  appsyncGraphQLApiDisableIntrospection,
  appsyncGraphQLApiDisallowApiKeyAuthentication,
  appsyncGraphQLApiEnableFieldLogging,
  appsyncGraphQLApiEnableWafRateLimit,
  cloudtrailTrailEnableCloudWatchLogs,
  cloudtrailTrailEnableCustomerKeyEncryption,
  cloudtrailTrailEnableLogFileValidation,
  cloudtrailTrailEnableMultiRegion,
  cloudwatchCompositeAlarmConfigureAlarmActions,
  cloudwatchEventArchiveEnableCustomerKeyEncryption,
  cloudwatchEventBusDisallowPublicAccess,
  cloudwatchEventBusEnableCustomerKeyEncryption,
  cloudwatchLogGroupConfigureRetention,
  cloudwatchLogGroupEnableCustomerKeyEncryption,
  cloudwatchMetricAlarmConfigureAlarmActions,
  cognitoUserPoolConfigurePasswordPolicy,
  cognitoUserPoolEnableThreatProtection,
  dynamodbTableConfigureCapacityScaling,
  dynamodbTableEnableCustomerKeyEncryption,
  dynamodbTableEnableDeletionProtection,
  dynamodbTableEnablePointInTimeRecovery,
  iamPolicyDisallowAllResources,
  iamPolicyDisallowDecryptOnAllKeys,
  iamPolicyDisallowServiceWildcardActions,
  iamPolicyDisallowSmsFromAnyOriginationIdentity,
  iamPolicyDisallowWildcardActions,
  iamPolicyEnforcePassRoleScope,
  iamRoleDisallowPublicTrust,
  iamUserDisallowAttachedPolicies,
  indexProviderConfigureAllowedAccountIds,
  kinesisFirehoseDeliveryStreamEnableCustomerKeyEncryption,
  kmsKeyDisallowPublicAccess,
  kmsKeyDisallowRootUsageGrant,
  kmsKeyEnableKeyRotation,
  kmsKeyEnforceLogGroupEncryptionContext,
  lambdaEventSourceMappingConfigureFailureDestination,
  lambdaFunctionConfigureErrorAlarm,
  lambdaFunctionConfigureFailureDestination,
  lambdaFunctionConfigureReservedConcurrency,
  lambdaFunctionEnableTracing,
  lambdaFunctionEnforceSmsProtectConfiguration,
  lambdaFunctionEnforceSupportedRuntime,
  lambdaPermissionDisallowPublicAccess,
  s3AccountPublicAccessBlockEnablePublicAccessBlock,
  s3BucketConfigureAuditObjectLock,
  s3BucketConfigureLifecycle,
  s3BucketDisableAcls,
  s3BucketDisallowCrossAccountAdministration,
  s3BucketDisallowPublicAccess,
  s3BucketEnableAccessLogging,
  s3BucketEnableCustomerKeyEncryption,
  s3BucketEnableEventNotifications,
  s3BucketEnablePublicAccessBlock,
  s3BucketEnableVersioning,
  s3BucketEnforceSecureTransport,
  schedulerScheduleEnableCustomerKeyEncryption,
  secretsmanagerSecretDisallowPublicAccess,
  secretsmanagerSecretEnableCustomerKeyEncryption,
  secretsmanagerSecretEnableRotation,
  sesv2ConfigurationSetEnforceFeedback,
  sfnStateMachineEnableCustomerKeyEncryption,
  sfnStateMachineEnableLogging,
  sfnStateMachineEnableTracing,
  snsTopicDisallowPublicAccess,
  snsTopicEnableCustomerKeyEncryption,
  snsTopicEnableDeliveryStatusLogging,
  sqsQueueConfigureDeadLetterAlarm,
  sqsQueueDisallowPublicAccess,
  sqsQueueEnableCustomerKeyEncryption,
];
