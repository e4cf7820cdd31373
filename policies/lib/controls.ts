/**
 * What each policy answers to: Security Hub's AWS Foundational Security Best Practices (FSBP)
 * controls, or a rule of our own where FSBP is silent. Policies carry the mapping in the standard
 * `framework` and `tags` fields, so Pulumi Cloud shows it and the compliance report counts it.
 * https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html
 */
import type { Policy } from '@pulumi/policy';

/**
 * The FSBP controls that apply to this stack and can be checked before deployment (the list in
 * ../shared/DOMAIN.md): the denominator of the coverage figure.
 */
export const APPLICABLE_FSBP_CONTROLS = [
  'AppSync.2',
  'AppSync.5',
  'CloudTrail.1',
  'CloudTrail.2',
  'CloudTrail.4',
  'CloudTrail.5',
  'Cognito.1',
  'Cognito.3',
  'DynamoDB.1',
  'DynamoDB.2',
  'DynamoDB.6',
  'IAM.1',
  'IAM.2',
  'IAM.21',
  'KMS.1',
  'KMS.2',
  'KMS.5',
  'Lambda.1',
  'Lambda.2',
  'S3.1',
  'S3.2',
  'S3.3',
  'S3.5',
  'S3.6',
  'S3.8',
  'S3.9',
  'S3.10',
  'S3.11',
  'S3.12',
  'S3.13',
  'SNS.1',
  'SNS.2',
  'SNS.4',
  'SQS.1',
  'SQS.3',
  'StepFunctions.1',
] as const;

/** Controls outside the denominator that the pack enforces too (the audit trail's, the secrets'). */
export const ADJACENT_FSBP_CONTROLS = [
  'KMS.4',
  'S3.14',
  'S3.15',
  'S3.17',
  'SecretsManager.1',
  'SecretsManager.4',
] as const;

/** Controls only Security Hub can evaluate, on a deployed account: named in the report. */
export const RUNTIME_ONLY_FSBP_CONTROLS = [
  'IAM.3',
  'IAM.4',
  'IAM.5',
  'IAM.6',
  'IAM.8',
  'KMS.3',
  'SecretsManager.2',
  'SecretsManager.3',
] as const;

export type FsbpControl =
  (typeof APPLICABLE_FSBP_CONTROLS)[number] | (typeof ADJACENT_FSBP_CONTROLS)[number];

const FSBP_TAG = 'fsbp:';

/** The tag of a policy that enforces a rule of this project's own (no FSBP control says it). */
export const OWN_RULE_TAG = 'own-rule';

/** Marks a policy as enforcing these FSBP controls. */
export function fsbp(
  ...controls: [FsbpControl, ...FsbpControl[]]
): Required<Pick<Policy, 'framework' | 'tags'>> {
  return {
    framework: {
      name: 'AWS Foundational Security Best Practices',
      version: 'v1.0.0',
      reference: controls.join(', '),
      specification: 'https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html',
    },
    tags: controls.map((control) => `${FSBP_TAG}${control}`),
  };
}

/** Marks a policy as a rule of our own, where FSBP is silent or weaker. */
export function ownRule(): Required<Pick<Policy, 'tags'>> {
  return { tags: [OWN_RULE_TAG] };
}

/** The FSBP controls a policy declares (empty for an own rule). */
export function controlsOf(policy: Pick<Policy, 'tags'>): FsbpControl[] {
  return (policy.tags ?? [])
    .filter((tag) => tag.startsWith(FSBP_TAG))
    .map((tag) => tag.slice(FSBP_TAG.length) as FsbpControl);
}
