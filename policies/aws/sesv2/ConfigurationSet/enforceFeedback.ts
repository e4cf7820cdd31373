import * as aws from '@pulumi/aws';
import type { PolicyResource } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, list, peek, record, text } from '../../../lib/values.ts';

/** What SES must suppress and publish: hard bounces and complaints. */
const FEEDBACK = ['BOUNCE', 'COMPLAINT'];

/** The ARN of an account's default event bus ends so; SES publishes email events to no other. */
const DEFAULT_BUS = ':event-bus/default';

/** The reasons of `FEEDBACK` that `value` (a list of reasons or event types) leaves out. */
function missingFrom(value: unknown): string[] {
  const present = list(value);
  return FEEDBACK.filter((reason) => !present.includes(reason));
}

interface DestinationView {
  readonly resource: PolicyResource;
  /** The configuration set it belongs to; undefined while unknown (any of the stack's). */
  readonly configurationSet: string | undefined;
  /** What must change before it takes bounces and complaints to the default bus, as fixes. */
  readonly fixes: readonly string[];
}

/** The event destinations that publish to EventBridge (others feed metrics or archives). */
function eventBridgeDestinationsOf(resources: readonly PolicyResource[]): DestinationView[] {
  const found: DestinationView[] = [];
  forEachKnown(resources, (resource) => {
    if (!resource.isType(aws.sesv2.ConfigurationSetEventDestination)) return;
    const destination = record(resource.props.eventDestination) ?? {};
    const eventBridge = record(destination.eventBridgeDestination);
    if (eventBridge === undefined) return;
    const name = peek(() => text(resource.props.configurationSetName));
    // Unknown during a first preview (another resource's output): `pulumi up` checks it.
    const bus = peek(() => text(eventBridge.eventBusArn));
    const types = missingFrom(destination.matchingEventTypes);
    found.push({
      resource,
      configurationSet: name.known ? name.value : undefined,
      fixes: [
        ...(destination.enabled === true ? [] : ['set enabled to true']),
        ...(types.length === 0 ? [] : [`add ${types.join(' and ')} to matchingEventTypes`]),
        ...(!bus.known || bus.value?.endsWith(DEFAULT_BUS) === true
          ? []
          : [
              `set eventBridgeDestination.eventBusArn to the account's default bus (arn:aws:events:<region>:<account>${DEFAULT_BUS})`,
            ]),
      ],
    });
  });
  return found;
}

/**
 * An address that bounced or complained must not be mailed again: every further message to it
 * raises the bounce or complaint rate, and past 5% bounces or 0.1% complaints AWS reviews the
 * account and may stop its sending, for every user at once. The program's email path
 * (`infra/components/monitoring/email-reputation.ts`, `infra/components/notifications.ts`) holds
 * only if every piece stays: each configuration set suppresses both reasons and publishes the
 * reputation metrics the alarms read; it publishes bounces and complaints to EventBridge on the
 * default bus, where the `email-feedback` rule takes them to the function that marks the address
 * undeliverable; every identity sends through a configuration set of the stack by default; and
 * the account's suppression list covers both reasons for any mail sent without one.
 * https://docs.aws.amazon.com/ses/latest/dg/monitor-sender-reputation.html
 * https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html
 * https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html
 */
export const enforceFeedback: PackStackPolicy = {
  name: 'aws-sesv2-configurationset-enforce-feedback',
  description:
    'Checks that every SES v2 configuration set suppresses bounces and complaints, publishes reputation metrics and sends BOUNCE and COMPLAINT events through an enabled event destination to the default EventBridge bus; that every email identity sends through a configuration set of the stack; and that the account suppresses bounces and complaints.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Create the EmailReputation component (infra/components/monitoring/email-reputation.ts) and pass its configurationSetName to every aws.sesv2.EmailIdentity.',
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const destinations = eventBridgeDestinationsOf(args.resources);
    const configurationSets = new Set<string>();
    let sendsEmail = false;
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.sesv2.ConfigurationSet)) return;
      sendsEmail = true;
      const name = text(resource.props.configurationSetName) ?? resource.name;
      configurationSets.add(name);
      const suppressed = missingFrom(record(resource.props.suppressionOptions)?.suppressedReasons);
      const fixes = [
        ...(suppressed.length === 0
          ? []
          : [`add ${suppressed.join(' and ')} to suppressionOptions.suppressedReasons`]),
        ...(record(resource.props.reputationOptions)?.reputationMetricsEnabled === true
          ? []
          : ['set reputationOptions.reputationMetricsEnabled to true']),
      ];
      if (fixes.length > 0) {
        reportViolation(
          `SES configuration set ${name} must suppress bounces and complaints and publish reputation metrics: ${fixes.join(' and ')}.`,
          resource.urn,
        );
      }
      const own = destinations.filter(
        (destination) =>
          destination.configurationSet === undefined || destination.configurationSet === name,
      );
      if (own.length === 0) {
        reportViolation(
          `SES configuration set ${name} must publish bounces and complaints to EventBridge: add an aws.sesv2.ConfigurationSetEventDestination with enabled true, matchingEventTypes BOUNCE and COMPLAINT and eventBridgeDestination.eventBusArn the account's default bus (arn:aws:events:<region>:<account>${DEFAULT_BUS}).`,
          resource.urn,
        );
        return;
      }
      if (own.some((destination) => destination.fixes.length === 0)) return;
      for (const destination of own) {
        reportViolation(
          `SES event destination ${destination.resource.name} of configuration set ${name} must send bounces and complaints to the default event bus: ${destination.fixes.join(' and ')}.`,
          destination.resource.urn,
        );
      }
    });
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.sesv2.EmailIdentity)) return;
      sendsEmail = true;
      const identity = text(resource.props.emailIdentity) ?? resource.name;
      const named = peek(() => text(resource.props.configurationSetName));
      // Unknown during a first preview: an output of a configuration set the stack creates.
      if (!named.known) return;
      if (named.value === undefined || named.value === '') {
        reportViolation(
          `SES email identity ${identity} must send every message through a configuration set: set its configurationSetName to the stack's (infra/components/monitoring/email-reputation.ts).`,
          resource.urn,
        );
      } else if (!configurationSets.has(named.value)) {
        reportViolation(
          `SES email identity ${identity} must send through a configuration set the stack creates and checks: create aws.sesv2.ConfigurationSet ${named.value} in the program or name one it creates.`,
          resource.urn,
        );
      }
    });
    if (!sendsEmail) return;
    let accountSuppression = false;
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.sesv2.AccountSuppressionAttributes)) return;
      accountSuppression = true;
      const missing = missingFrom(resource.props.suppressedReasons);
      if (missing.length === 0) return;
      reportViolation(
        `The account's SES suppression list must hold addresses that bounce or complain: add ${missing.join(' and ')} to suppressedReasons.`,
        resource.urn,
      );
    });
    if (!accountSuppression) {
      reportViolation(
        'The stack sends email through SES and must suppress bounces and complaints account-wide: add an aws.sesv2.AccountSuppressionAttributes with suppressedReasons BOUNCE and COMPLAINT (infra/components/monitoring/email-reputation.ts).',
      );
    }
  },
};
