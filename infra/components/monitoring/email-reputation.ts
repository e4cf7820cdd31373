/**
 * SES reputation for the notification email: a configuration set with reputation metrics on (SES
 * publishes `Reputation.BounceRate` and `Reputation.ComplaintRate` only then; the alarms
 * `email-bounce-rate` and `email-complaint-rate` read them), made the sending identity's default
 * configuration set in `notifications.ts` so every message counts, and addresses that bounce or
 * complain suppressed (sending to them again is what gets an account reviewed).
 * https://docs.aws.amazon.com/ses/latest/dg/monitor-sender-reputation.html
 * https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

type In<T> = pulumi.Input<T>;

export interface EmailReputationArgs {
  readonly configurationSetName: string;
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
        suppressionOptions: { suppressedReasons: ['BOUNCE', 'COMPLAINT'] },
        sendingOptions: { sendingEnabled: true },
        tags: args.tags,
      },
      { parent: this },
    );
    this.configurationSetName = this.configurationSet.configurationSetName;
    this.registerOutputs({ configurationSetName: this.configurationSetName });
  }
}
