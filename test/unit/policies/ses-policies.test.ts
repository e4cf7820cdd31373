/**
 * The SES feedback policy (a stack policy): every configuration set suppresses bounces and
 * complaints, publishes reputation metrics and sends both events to the default EventBridge bus;
 * every identity sends through one of the stack's configuration sets; the account suppresses both.
 * Each rule starts from a compliant stack, shaped as `infra/components/monitoring/
 * email-reputation.ts` and `infra/components/notifications.ts` declare it, and changes one
 * resource per case.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { enforceFeedback } from '../../../policies/aws/sesv2/ConfigurationSet/enforceFeedback.ts';
import { messages, result, type Fixture } from './harness.ts';
import { ACCOUNT } from './rules.ts';

/** CrossGuard's own unknown-value machinery, as `pulumi preview` hands it to policies. */
const proxy = createRequire(import.meta.url)('@pulumi/policy/proxy.js') as {
  unknownCheckingProxy<T>(value: T): T;
  unknownStringValue: string;
};

const SET = 'savings-plan-buy-prod-notifications';
const DEFAULT_BUS = `arn:aws:events:eu-central-1:${ACCOUNT}:event-bus/default`;

const TYPES = {
  set: 'aws:sesv2/configurationSet:ConfigurationSet',
  destination: 'aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination',
  identity: 'aws:sesv2/emailIdentity:EmailIdentity',
  suppression: 'aws:sesv2/accountSuppressionAttributes:AccountSuppressionAttributes',
  function: 'aws:lambda/function:Function',
} as const;

function configurationSet(inputs: Record<string, unknown> = {}): Fixture {
  return {
    type: TYPES.set,
    name: 'email-reputation-configuration-set',
    inputs: {
      configurationSetName: SET,
      reputationOptions: { reputationMetricsEnabled: true },
      suppressionOptions: { suppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      sendingOptions: { sendingEnabled: true },
      ...inputs,
    },
  };
}

function eventDestination(
  eventDestination: Record<string, unknown> = {},
  name = 'email-reputation-feedback-events',
): Fixture {
  return {
    type: TYPES.destination,
    name,
    inputs: {
      configurationSetName: SET,
      eventDestinationName: 'feedback-to-eventbridge',
      eventDestination: {
        enabled: true,
        matchingEventTypes: ['BOUNCE', 'COMPLAINT'],
        eventBridgeDestination: { eventBusArn: DEFAULT_BUS },
        ...eventDestination,
      },
    },
  };
}

function emailIdentity(inputs: Record<string, unknown> = { configurationSetName: SET }): Fixture {
  return {
    type: TYPES.identity,
    name: 'notifications-sender',
    inputs: { emailIdentity: 'example.com', ...inputs },
  };
}

function accountSuppression(suppressedReasons: string[] = ['BOUNCE', 'COMPLAINT']): Fixture {
  return {
    type: TYPES.suppression,
    name: 'email-reputation-account-suppression',
    inputs: { suppressedReasons },
  };
}

function compliantStack(): Fixture[] {
  return [configurationSet(), eventDestination(), emailIdentity(), accountSuppression()];
}

/** The compliant stack with the resource at `index` replaced (or removed, for null). */
function changed(index: number, replacement: Fixture | null): Fixture[] {
  return compliantStack().flatMap((resource, at) =>
    at !== index ? [resource] : replacement === null ? [] : [replacement],
  );
}

const check = (resources: Fixture[]) => messages(enforceFeedback, resources);

const fixTheDestination = (fixes: string) =>
  `SES event destination email-reputation-feedback-events of configuration set ${SET} must send bounces and complaints to the default event bus: ${fixes}.`;

describe('aws-sesv2-configurationset-enforce-feedback', () => {
  it('accepts the email path as the program builds it', async () => {
    expect(await check(compliantStack())).toEqual([]);
  });

  it('does not apply to a stack that sends no email', async () => {
    expect(
      await check([{ type: TYPES.function, name: 'notifier', inputs: { name: 'notifier' } }]),
    ).toEqual([]);
  });

  it('accepts another destination next to the EventBridge one, such as CloudWatch metrics', async () => {
    expect(
      await check([
        ...compliantStack(),
        eventDestination(
          {
            matchingEventTypes: ['SEND', 'DELIVERY'],
            eventBridgeDestination: undefined,
            cloudWatchDestination: { dimensionConfigurations: [] },
          },
          'email-metrics',
        ),
      ]),
    ).toEqual([]);
  });

  it('waits for pulumi up where the bus ARN and the names are outputs not known yet', async () => {
    const [set, destination, identity, suppression] = compliantStack() as [
      Fixture,
      Fixture,
      Fixture,
      Fixture,
    ];
    const unknown = proxy.unknownStringValue;
    const preview = (resource: Fixture, inputs: Record<string, unknown>): Fixture => {
      const state = proxy.unknownCheckingProxy({ ...resource.inputs, ...inputs });
      return { ...resource, inputs: state, state };
    };
    const first = await result(enforceFeedback, [
      set,
      preview(destination, {
        configurationSetName: unknown,
        eventDestination: eventDestination({
          eventBridgeDestination: { eventBusArn: unknown },
        }).inputs.eventDestination,
      }),
      preview(identity, { configurationSetName: unknown }),
      suppression,
    ]);
    expect({ violations: first.violations, unknown: first.unknown }).toEqual({
      violations: [],
      unknown: [],
    });
  });

  it('refuses a configuration set that does not suppress complaints', async () => {
    expect(
      await check(
        changed(0, configurationSet({ suppressionOptions: { suppressedReasons: ['BOUNCE'] } })),
      ),
    ).toEqual([
      `SES configuration set ${SET} must suppress bounces and complaints and publish reputation metrics: add COMPLAINT to suppressionOptions.suppressedReasons.`,
    ]);
  });

  it('refuses a configuration set without suppression options or reputation metrics', async () => {
    expect(
      await check(
        changed(
          0,
          configurationSet({ suppressionOptions: undefined, reputationOptions: undefined }),
        ),
      ),
    ).toEqual([
      `SES configuration set ${SET} must suppress bounces and complaints and publish reputation metrics: add BOUNCE and COMPLAINT to suppressionOptions.suppressedReasons and set reputationOptions.reputationMetricsEnabled to true.`,
    ]);
  });

  it('refuses a configuration set with reputation metrics off', async () => {
    expect(
      await check(
        changed(0, configurationSet({ reputationOptions: { reputationMetricsEnabled: false } })),
      ),
    ).toEqual([
      `SES configuration set ${SET} must suppress bounces and complaints and publish reputation metrics: set reputationOptions.reputationMetricsEnabled to true.`,
    ]);
  });

  it('refuses a configuration set that publishes its events nowhere', async () => {
    expect(await check(changed(1, null))).toEqual([
      `SES configuration set ${SET} must publish bounces and complaints to EventBridge: add an aws.sesv2.ConfigurationSetEventDestination with enabled true, matchingEventTypes BOUNCE and COMPLAINT and eventBridgeDestination.eventBusArn the account's default bus (arn:aws:events:<region>:<account>:event-bus/default).`,
    ]);
  });

  it('refuses a configuration set whose only EventBridge destination belongs to another set', async () => {
    const other = eventDestination();
    expect(
      await check(
        changed(1, { ...other, inputs: { ...other.inputs, configurationSetName: 'marketing' } }),
      ),
    ).toEqual([
      `SES configuration set ${SET} must publish bounces and complaints to EventBridge: add an aws.sesv2.ConfigurationSetEventDestination with enabled true, matchingEventTypes BOUNCE and COMPLAINT and eventBridgeDestination.eventBusArn the account's default bus (arn:aws:events:<region>:<account>:event-bus/default).`,
    ]);
  });

  it('refuses a disabled event destination', async () => {
    expect(await check(changed(1, eventDestination({ enabled: false })))).toEqual([
      fixTheDestination('set enabled to true'),
    ]);
  });

  it('refuses an event destination that leaves bounces out', async () => {
    expect(
      await check(changed(1, eventDestination({ matchingEventTypes: ['COMPLAINT', 'DELIVERY'] }))),
    ).toEqual([fixTheDestination('add BOUNCE to matchingEventTypes')]);
  });

  it('refuses an event destination on a bus other than the default one', async () => {
    expect(
      await check(
        changed(
          1,
          eventDestination({
            eventBridgeDestination: {
              eventBusArn: `arn:aws:events:eu-central-1:${ACCOUNT}:event-bus/savings-plan-buy-prod`,
            },
          }),
        ),
      ),
    ).toEqual([
      fixTheDestination(
        "set eventBridgeDestination.eventBusArn to the account's default bus (arn:aws:events:<region>:<account>:event-bus/default)",
      ),
    ]);
  });

  it('names every fix an event destination needs in one message', async () => {
    expect(
      await check(
        changed(
          1,
          eventDestination({
            enabled: false,
            matchingEventTypes: ['SEND'],
            eventBridgeDestination: { eventBusArn: 'arn:aws:events:eu-central-1:1:event-bus/x' },
          }),
        ),
      ),
    ).toEqual([
      fixTheDestination(
        "set enabled to true and add BOUNCE and COMPLAINT to matchingEventTypes and set eventBridgeDestination.eventBusArn to the account's default bus (arn:aws:events:<region>:<account>:event-bus/default)",
      ),
    ]);
  });

  it('refuses an email identity without a default configuration set', async () => {
    expect(await check(changed(2, emailIdentity({})))).toEqual([
      "SES email identity example.com must send every message through a configuration set: set its configurationSetName to the stack's (infra/components/monitoring/email-reputation.ts).",
    ]);
  });

  it('refuses an email identity whose configuration set the stack does not create', async () => {
    expect(await check(changed(2, emailIdentity({ configurationSetName: 'legacy' })))).toEqual([
      'SES email identity example.com must send through a configuration set the stack creates and checks: create aws.sesv2.ConfigurationSet legacy in the program or name one it creates.',
    ]);
  });

  it('refuses a stack that sends email without the account suppression list', async () => {
    expect(await check(changed(3, null))).toEqual([
      'The stack sends email through SES and must suppress bounces and complaints account-wide: add an aws.sesv2.AccountSuppressionAttributes with suppressedReasons BOUNCE and COMPLAINT (infra/components/monitoring/email-reputation.ts).',
    ]);
    const { violations } = await result(enforceFeedback, changed(3, null));
    expect(violations.map((violation) => violation.resource)).toEqual([undefined]);
  });

  it('refuses an account suppression list that leaves complaints out', async () => {
    expect(await check(changed(3, accountSuppression(['BOUNCE'])))).toEqual([
      "The account's SES suppression list must hold addresses that bounce or complain: add COMPLAINT to suppressedReasons.",
    ]);
  });
});
