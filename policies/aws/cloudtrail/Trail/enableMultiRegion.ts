import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { list, record, text } from '../../../lib/values.ts';

const MULTI_REGION =
  'CloudTrail trails must record every Region: set isMultiRegionTrail to true (and keep includeGlobalServiceEvents).';
const LOGGING = 'CloudTrail trails must be logging: set enableLogging to true.';
const MANAGEMENT =
  'CloudTrail trails must record read and write management events: add an advanced event selector on eventCategory "Management" without a readOnly field selector.';

/** Whether the trail's selectors include read and write management events (the default). */
function recordsManagementEvents(trail: {
  advancedEventSelectors?: unknown;
  eventSelectors?: unknown;
}): boolean {
  const advanced = list(trail.advancedEventSelectors).map(record);
  if (advanced.length > 0) {
    return advanced.some((selector) => {
      const fields = list(selector?.fieldSelectors).map(record);
      const management = fields.some(
        (field) => field?.field === 'eventCategory' && list(field.equals).includes('Management'),
      );
      const readOnlyOnly = fields.some((field) => field?.field === 'readOnly');
      return management && !readOnlyOnly;
    });
  }
  const basic = list(trail.eventSelectors).map(record);
  if (basic.length > 0) {
    return basic.some(
      (selector) =>
        selector?.includeManagementEvents !== false &&
        (text(selector?.readWriteType) ?? 'All') === 'All',
    );
  }
  return true;
}

export const enableMultiRegion: PackResourcePolicy = {
  name: 'aws-cloudtrail-trail-enable-multi-region',
  description:
    'Checks that CloudTrail trails are multi-Region, logging, and record read and write management events.',
  enforcementLevel: 'mandatory',
  remediationSteps: `${MULTI_REGION} ${LOGGING} ${MANAGEMENT}`,
  ...fsbp('CloudTrail.1'),
  validateResource: validateResourceOfType(
    aws.cloudtrail.Trail,
    (trail, _args, reportViolation) => {
      if (trail.isMultiRegionTrail !== true) reportViolation(MULTI_REGION);
      if (trail.enableLogging === false) reportViolation(LOGGING);
      if (!recordsManagementEvents(trail)) reportViolation(MANAGEMENT);
    },
  ),
};
