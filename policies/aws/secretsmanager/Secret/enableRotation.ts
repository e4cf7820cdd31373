import * as aws from '@pulumi/aws';
import type { PolicyConfigSchema } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import { configOf, type PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, peek, record, text } from '../../../lib/values.ts';

const configSchema: PolicyConfigSchema = {
  properties: {
    maximumRotationDays: {
      type: 'integer',
      // Secrets Manager rotates every 1 to 1000 days.
      minimum: 1,
      maximum: 1000,
      default: 90,
      description: 'Longest interval between rotations (SecretsManager.4 defaults to 90 days).',
    },
  },
};

/**
 * Advisory: the exchange's API key is issued by the exchange and stored by an operator; rotating it
 * automatically needs a rotation function that talks to the exchange, which does not exist yet.
 */
export const enableRotation: PackStackPolicy = {
  name: 'aws-secretsmanager-secret-enable-rotation',
  description: 'Checks that Secrets Manager secrets rotate automatically, at least every 90 days.',
  enforcementLevel: 'advisory',
  remediationSteps:
    'Add an aws.secretsmanager.SecretRotation for the secret with a rotation function and rotationRules.automaticallyAfterDays of 90 or fewer.',
  configSchema,
  ...fsbp('SecretsManager.1', 'SecretsManager.4'),
  validateStack: (args, reportViolation) => {
    const { maximumRotationDays } = configOf<{ maximumRotationDays: number }>(configSchema, args);
    // Rotation intervals by the secret's id (its ARN) as the rotation names it.
    const rotations = new Map<string, number | undefined>();
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.secretsmanager.SecretRotation)) return;
      const secret = text(resource.props.secretId);
      if (secret === undefined) return;
      const days = record(resource.props.rotationRules)?.automaticallyAfterDays;
      rotations.set(secret, typeof days === 'number' ? days : undefined);
    });
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.secretsmanager.Secret)) return;
      const arn = peek(() => text(resource.props.arn));
      const name = text(resource.props.name) ?? resource.name;
      const ids = [name, ...(arn.known && arn.value !== undefined ? [arn.value] : [])];
      const rotation = ids.find((id) => rotations.has(id));
      if (rotation === undefined) {
        reportViolation(
          `Secrets Manager secret ${name} must rotate automatically: add an aws.secretsmanager.SecretRotation with a rotation function and rotationRules.automaticallyAfterDays of ${maximumRotationDays} or fewer.`,
          resource.urn,
        );
        return;
      }
      const days = rotations.get(rotation);
      // A scheduleExpression instead of a day count is accepted as set by the operator.
      if (days !== undefined && days > maximumRotationDays) {
        reportViolation(
          `Secrets Manager secret ${name} must rotate at least every ${maximumRotationDays} days: set rotationRules.automaticallyAfterDays to ${maximumRotationDays} or fewer.`,
          resource.urn,
        );
      }
    });
  },
};
