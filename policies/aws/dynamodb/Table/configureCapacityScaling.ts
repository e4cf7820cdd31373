import * as aws from '@pulumi/aws';
import type { StackValidationArgs } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, text } from '../../../lib/values.ts';

const DIMENSIONS = ['dynamodb:table:ReadCapacityUnits', 'dynamodb:table:WriteCapacityUnits'];

/** The `table/<name>` resource ids that have read and write capacity scaling targets. */
function scaledTables(args: StackValidationArgs): Set<string> {
  const dimensions = new Map<string, Set<string>>();
  forEachKnown(args.resources, (resource) => {
    if (!resource.isType(aws.appautoscaling.Target)) return;
    if (resource.props.serviceNamespace !== 'dynamodb') return;
    const id = text(resource.props.resourceId);
    const dimension = text(resource.props.scalableDimension);
    if (id === undefined || dimension === undefined) return;
    dimensions.set(id, new Set([...(dimensions.get(id) ?? []), dimension]));
  });
  return new Set(
    [...dimensions]
      .filter(([, scaled]) => DIMENSIONS.every((dimension) => scaled.has(dimension)))
      .map(([id]) => id),
  );
}

/** A provisioned table at fixed capacity throttles under a burst (09:00 runs) and overpays at night. */
export const configureCapacityScaling: PackStackPolicy = {
  name: 'aws-dynamodb-table-configure-capacity-scaling',
  description:
    'Checks that DynamoDB tables are on-demand, or provisioned with read and write auto scaling.',
  enforcementLevel: 'advisory',
  remediationSteps:
    'Set billingMode to "PAY_PER_REQUEST", or add aws.appautoscaling.Target and Policy resources for the table\'s read and write capacity.',
  ...fsbp('DynamoDB.1'),
  validateStack: (args, reportViolation) => {
    const scaled = scaledTables(args);
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.dynamodb.Table)) return;
      // PROVISIONED is the default billing mode.
      if (resource.props.billingMode === 'PAY_PER_REQUEST') return;
      const name = text(resource.props.name) ?? resource.name;
      if (!scaled.has(`table/${name}`)) {
        reportViolation(
          `DynamoDB table ${name} must follow demand: set billingMode to "PAY_PER_REQUEST", or add aws.appautoscaling.Target resources for table/${name} on both read and write capacity.`,
          resource.urn,
        );
      }
    });
  },
};
