import * as aws from '@pulumi/aws';
import type { PolicyResource } from '@pulumi/policy';
import { phoneCountries } from '../../../../domain/phone-country.ts';
import { ownRule } from '../../../lib/controls.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, list, peek, record, text } from '../../../lib/values.ts';

/** The CloudFormation type of a protect configuration, made through Cloud Control. */
const PROTECT_CONFIGURATION = 'AWS::SMSVOICE::ProtectConfiguration';

function parsed(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return record(value);
  try {
    return record(JSON.parse(value));
  } catch {
    return undefined;
  }
}

interface ProtectConfigurationView {
  readonly resource: PolicyResource;
  /** Its ProtectConfigurationId from Cloud Control's `properties`; undefined until it exists. */
  readonly id: string | undefined;
  /** Each country's SMS rule (`ALLOW`, `BLOCK`, ...), as its desired state sets it. */
  readonly sms: ReadonlyMap<string, string>;
}

function protectConfigurationsOf(resources: readonly PolicyResource[]): ProtectConfigurationView[] {
  const found: ProtectConfigurationView[] = [];
  forEachKnown(resources, (resource) => {
    if (!resource.isType(aws.cloudcontrol.Resource)) return;
    if (text(resource.props.typeName) !== PROTECT_CONFIGURATION) return;
    const desired = parsed(resource.props.desiredState);
    const rules = list(record(desired?.CountryRuleSet)?.SMS).map((rule) => record(rule) ?? {});
    const properties = peek(() => parsed(resource.props.properties));
    found.push({
      resource,
      id: properties.known ? text(properties.value?.ProtectConfigurationId) : undefined,
      sms: new Map(
        rules.flatMap((rule) => {
          const country = text(rule.CountryCode);
          const status = text(rule.ProtectStatus);
          return country === undefined || status === undefined ? [] : [[country, status]];
        }),
      ),
    });
  });
  return found;
}

/** The countries a rule set fails on: allowed but not in `countries`, or in them but not allowed. */
function mismatches(
  sms: ReadonlyMap<string, string>,
  countries: readonly string[],
): { notBlocked: string[]; notAllowed: string[] } {
  const known = phoneCountries();
  return {
    // A country without a rule is allowed: a new protect configuration ALLOWs every country.
    notBlocked: known.filter(
      (country) => !countries.includes(country) && sms.get(country) !== 'BLOCK',
    ),
    notAllowed: countries.filter((country) => sms.get(country) !== 'ALLOW'),
  };
}

function shortList(countries: readonly string[]): string {
  return countries.length <= 8
    ? countries.join(', ')
    : `${countries.slice(0, 8).join(', ')} and ${countries.length - 8} more`;
}

/**
 * SMS pumping sends a platform's messages to premium-rate or high-cost numbers abroad; the
 * allow-list checks in the code are one bug away from failing open. End User Messaging's protect
 * configuration makes AWS refuse every country it blocks, whatever the code asks. A new one
 * ALLOWs every country, so every country a number can belong to must be listed as BLOCK but the
 * stack's own (`notifications.sms.countries`, which the senders read from NOTIFICATION_SETTINGS).
 * https://docs.aws.amazon.com/sms-voice/latest/userguide/protect-configuration.html
 */
export const enforceSmsProtectConfiguration: PackStackPolicy = {
  name: 'aws-lambda-function-enforce-sms-protect-configuration',
  description:
    'Checks that every Lambda function that sends SMS (SMS_ORIGINATION_IDENTITY set) names an End User Messaging protect configuration of the stack that allows exactly its notifications.sms.countries and blocks every other country.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Create the SmsProtection component (infra/components/sms-protection.ts) where SMS is on and pass its id to the senders as SMS_PROTECT_CONFIGURATION_ID.',
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const configurations = protectConfigurationsOf(args.resources);
    // The notifier and the contacts function share one configuration: one violation for it.
    const reported = new Set<string>();
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.lambda.Function)) return;
      const variables = record(record(resource.props.environment)?.variables) ?? {};
      const origination = text(variables.SMS_ORIGINATION_IDENTITY);
      if (origination === undefined || origination === '') return;
      const name = text(resource.props.name) ?? resource.name;
      const id = peek(() => text(variables.SMS_PROTECT_CONFIGURATION_ID));
      if (id.known && (id.value === undefined || id.value === '')) {
        reportViolation(
          `Lambda function ${name} must send SMS under a protect configuration: set SMS_PROTECT_CONFIGURATION_ID to the id of the stack's AWS::SMSVOICE::ProtectConfiguration.`,
          resource.urn,
        );
        return;
      }
      // Until the configuration exists its id is unknown: any of the stack's may be the one.
      const named = configurations.filter(
        (configuration) =>
          !id.known || configuration.id === undefined || configuration.id === id.value,
      );
      if (named.length === 0) {
        reportViolation(
          `Lambda function ${name} must send SMS under a protect configuration of the stack: create an AWS::SMSVOICE::ProtectConfiguration (infra/components/sms-protection.ts) and name its id in SMS_PROTECT_CONFIGURATION_ID.`,
          resource.urn,
        );
        return;
      }
      const settings = parsed(variables.NOTIFICATION_SETTINGS);
      const countries = list(record(settings?.sms)?.countries).filter(
        (country): country is string => typeof country === 'string',
      );
      for (const configuration of named) {
        const { notBlocked, notAllowed } = mismatches(configuration.sms, countries);
        const key = `${configuration.resource.urn} ${countries.join(',')}`;
        if ((notBlocked.length === 0 && notAllowed.length === 0) || reported.has(key)) continue;
        reported.add(key);
        reportViolation(
          `The protect configuration ${configuration.resource.name} must allow exactly ${countries.length === 0 ? 'no country' : countries.join(', ')} (the senders' notifications.sms.countries) and block every other country: ${[
            ...(notBlocked.length === 0 ? [] : [`block ${shortList(notBlocked)}`]),
            ...(notAllowed.length === 0 ? [] : [`allow ${shortList(notAllowed)}`]),
          ].join(' and ')} in its CountryRuleSet.SMS.`,
          configuration.resource.urn,
        );
      }
    });
  },
};
