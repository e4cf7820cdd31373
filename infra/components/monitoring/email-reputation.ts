/**
 * SES reputation for the notification email: a configuration set with reputation metrics on (SES
 * publishes `Reputation.BounceRate` and `Reputation.ComplaintRate` only then; the alarms
 * `email-bounce-rate` and `email-complaint-rate` read them), made the sending identity's default
 * configuration set in `notifications.ts` so every message counts, and addresses that bounce or
 * complain suppressed (sending to them again is what gets an account reviewed): by the
 * configuration set, and by the account's suppression list for any mail the account sends.
 *
 * Bounces and complaints are also published to EventBridge, on the account's default bus (SES
 * publishes nowhere else), where the topology's `email-feedback` rule takes them to the
 * email-feedback function, which marks the user's address undeliverable.
 * https://docs.aws.amazon.com/ses/latest/dg/monitor-sender-reputation.html
 * https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_EventBridgeDestination.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

type In<T> = pulumi.Input<T>;

/** What SES suppresses and publishes: hard bounces and complaints. */
export const EMAIL_FEEDBACK_REASONS = ['BOUNCE', 'COMPLAINT'] as const;

export interface EmailReputationArgs {
  readonly configurationSetName: string;
  /** The account's default event bus, the only bus SES publishes email events to. */
  readonly defaultEventBusArn: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The notification email's configuration set (type `savings:monitoring:EmailReputation`). */
export class EmailReputation extends pulumi.ComponentResource {
  readonly configurationSet: aws.sesv2.ConfigurationSet;
  readonly configurationSetName: pulumi.Output<string>;

  constructor(name: string, args: EmailReputationArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:monitoring:EmailReputation', name, {}, opts);
    this.configurationSet = new aws.sesv2.ConfigurationSet(
      `${name}-configuration-set`,
      {
        configurationSetName: args.configurationSetName,
        reputationOptions: { reputationMetricsEnabled: true },
        suppressionOptions: { suppressedReasons: [...EMAIL_FEEDBACK_REASONS] },
        sendingOptions: { sendingEnabled: true },
        tags: args.tags,
      },
      { parent: this },
    );
    this.configurationSetName = this.configurationSet.configurationSetName;
    new aws.sesv2.ConfigurationSetEventDestination(
      `${name}-feedback-events`,
      {
        configurationSetName: this.configurationSetName,
        eventDestinationName: 'feedback-to-eventbridge',
        eventDestination: {
          enabled: true,
          matchingEventTypes: [...EMAIL_FEEDBACK_REASONS],
          eventBridgeDestination: { eventBusArn: args.defaultEventBusArn },
        },
      },
      { parent: this },
    );
    // One per account and Region: every stack has an account of its own (`aws:allowedAccountIds`).
    new aws.sesv2.AccountSuppressionAttributes(
      `${name}-account-suppression`,
      { suppressedReasons: [...EMAIL_FEEDBACK_REASONS] },
      { parent: this },
    );
    this.registerOutputs({ configurationSetName: this.configurationSetName });
  }
}
