import { ownRule } from '../../../lib/controls.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

/**
 * The actions that may be allowed on `Resource: "*"`, each because the service offers no
 * resource-level permission for it. Anything else names its ARNs. Add an action here only with the
 * documentation that says so.
 */
export const ALL_RESOURCES_ALLOW_LIST: Readonly<Record<string, string>> = {
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions for writing traces.',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions for writing telemetry.',
  'xray:GetSamplingRules': 'X-Ray sampling rules are read account-wide by the tracing SDKs.',
  'xray:GetSamplingTargets': 'X-Ray sampling targets are read account-wide by the tracing SDKs.',
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html
  // and https://docs.aws.amazon.com/appconfig/latest/userguide/setting-up-appconfig.html
  'cloudwatch:DescribeAlarms':
    'CloudWatch describes a composite alarm only to a caller allowed DescribeAlarms on "*" (AppConfig\'s rollback monitors read one).',
  // https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html (vended log delivery)
  'logs:CreateLogDelivery': 'Step Functions log delivery (vended logs) only works on "*".',
  'logs:DeleteLogDelivery': 'Step Functions log delivery (vended logs) only works on "*".',
  'logs:GetLogDelivery': 'Step Functions log delivery (vended logs) only works on "*".',
  'logs:ListLogDeliveries': 'Step Functions log delivery (vended logs) only works on "*".',
  'logs:UpdateLogDelivery': 'Step Functions log delivery (vended logs) only works on "*".',
  'logs:DescribeLogGroups': 'Step Functions log delivery (vended logs) only works on "*".',
  'logs:DescribeResourcePolicies': 'Step Functions log delivery (vended logs) only works on "*".',
  'logs:PutResourcePolicy': 'Step Functions log delivery (vended logs) only works on "*".',
  // The deploy role (bootstrap/permissions.ts) creates what the program declares; these create
  // calls name no resource:
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsappconfig.html
  'appconfig:CreateApplication': 'AppConfig authorizes CreateApplication on no resource.',
  'appconfig:CreateDeploymentStrategy':
    'AppConfig authorizes CreateDeploymentStrategy on no resource.',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsappsync.html
  'appsync:CreateGraphqlApi': 'AppSync authorizes CreateGraphqlApi on no resource.',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
  'cloudtrail:DescribeTrails': 'CloudTrail authorizes DescribeTrails on no resource.',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
  'cognito-idp:CreateUserPool': 'Cognito authorizes CreateUserPool on no resource.',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudcontrolapi.html
  'cloudformation:CreateResource': 'Cloud Control authorizes CreateResource on no resource.',
  'cloudformation:DeleteResource': 'Cloud Control authorizes DeleteResource on no resource.',
  'cloudformation:GetResource': 'Cloud Control authorizes GetResource on no resource.',
  'cloudformation:GetResourceRequestStatus':
    'Cloud Control authorizes GetResourceRequestStatus on no resource.',
  'cloudformation:UpdateResource': 'Cloud Control authorizes UpdateResource on no resource.',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html
  'ses:GetAccount': 'SES authorizes GetAccount (the account\u2019s settings) on no resource.',
  'ses:PutAccountSuppressionAttributes':
    'SES authorizes PutAccountSuppressionAttributes (the account\u2019s suppression list) on no resource.',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsendusermessagingsmsandvoicev2.html
  'sms-voice:CreateProtectConfiguration':
    'End User Messaging authorizes CreateProtectConfiguration on no resource.',
  'sms-voice:DescribeProtectConfigurations':
    'End User Messaging authorizes DescribeProtectConfigurations on no resource.',
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
  'kms:CreateKey': 'KMS authorizes CreateKey on no resource (narrow it with aws:RequestTag).',
};

const ALLOWED = Object.keys(ALL_RESOURCES_ALLOW_LIST).map((action) => action.toLowerCase());

export const disallowAllResources: PackResourcePolicy = {
  name: 'aws-iam-policy-disallow-all-resources',
  description:
    'Checks that IAM identity policies allow actions on Resource "*" (or NotResource) only for the allow-listed actions that have no resource-level permissions.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Scope each statement to the ARNs it needs; Resource "*" is for the actions in ALL_RESOURCES_ALLOW_LIST only.',
  ...ownRule(),
  validateResource: validateIdentityPolicies((statements, reportViolation) => {
    for (const statement of statements) {
      if (statement.effect !== 'Allow') continue;
      if (statement.notResources !== undefined) {
        reportViolation(
          `IAM policies must name the resources they allow: replace NotResource in statement ${statement.id} with Resource and the exact ARNs.`,
        );
        continue;
      }
      if (!statement.resources.includes('*')) continue;
      // NotAction on "*" is reported by aws-iam-policy-disallow-wildcard-actions.
      // Exact names only: a pattern such as "xray:Put*" may match actions that are not listed.
      const outside = statement.actions.filter((action) => !ALLOWED.includes(action.toLowerCase()));
      if (outside.length > 0) {
        reportViolation(
          `IAM policies may use Resource "*" only for actions without resource-level permissions: scope ${outside.join(', ')} in statement ${statement.id} to the exact ARNs.`,
        );
      }
    }
  }),
};
