/**
 * The End User Messaging SMS protect configuration of a stack that sends SMS: the country rules
 * that make AWS itself refuse a message to any country outside the stack's allow-list
 * (`notifications.sms.countries`), so that even a bug in the allow-list checks above it cannot
 * send elsewhere.
 *
 * A new protect configuration ALLOWs every country ("By default all country rule sets for each
 * capability are set to ALLOW"), so the rule set names every country a phone number can belong
 * to (`phoneCountries()`): the allowed ones ALLOW, every other one BLOCK.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-smsvoice-protectconfiguration.html
 *
 * `@pulumi/aws` 7.48 (the newest the registry here offers) has no protect configuration resource
 * (`aws.pinpoint.Smsvoicev2ProtectConfiguration` arrived in 7.55), so it is made through the
 * Cloud Control API with the CloudFormation type's own properties. Its Cloud Control identifier
 * (the resource's id) is the ProtectConfigurationId, the value `SendTextMessage` takes.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { phoneCountries } from '#domain/phone-country.ts';

/** The CloudFormation (and Cloud Control) type of a protect configuration. */
export const PROTECT_CONFIGURATION_TYPE = 'AWS::SMSVOICE::ProtectConfiguration';

/** One country rule of the rule set, as the CloudFormation type spells it. */
export interface CountryRule {
  readonly CountryCode: string;
  readonly ProtectStatus: 'ALLOW' | 'BLOCK';
}

/**
 * The SMS rules for an allow-list: every country {@link phoneCountries} knows, sorted, ALLOW for
 * those in `allowed` and BLOCK for the rest.
 */
export function smsCountryRules(allowed: readonly string[]): CountryRule[] {
  return phoneCountries().map((country) => ({
    CountryCode: country,
    ProtectStatus: allowed.includes(country) ? 'ALLOW' : 'BLOCK',
  }));
}

export interface SmsProtectionArgs {
  /** ISO 3166-1 alpha-2 countries SMS may go to (`notifications.sms.countries`). */
  readonly countries: readonly string[];
  /** The protect configuration's name (kept as its `Name` tag, as End User Messaging does). */
  readonly name: string;
  /** Refuse to delete it (stacks with `deletionProtection`). */
  readonly deletionProtection: boolean;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

export class SmsProtection extends pulumi.ComponentResource {
  readonly configuration: aws.cloudcontrol.Resource;
  /** The ProtectConfigurationId, which each `SendTextMessage` names. */
  readonly id: pulumi.Output<string>;
  /** Its ARN, which the senders' IAM statements name. */
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SmsProtectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:notifications:SmsProtection', name, {}, opts);
    const tags = { ...args.tags, Name: args.name };
    this.configuration = new aws.cloudcontrol.Resource(
      `${name}-configuration`,
      {
        typeName: PROTECT_CONFIGURATION_TYPE,
        desiredState: JSON.stringify({
          CountryRuleSet: { SMS: smsCountryRules(args.countries) },
          DeletionProtectionEnabled: args.deletionProtection,
          Tags: Object.entries(tags)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([Key, Value]) => ({ Key, Value })),
        }),
      },
      { parent: this },
    );
    this.id = this.configuration.id;
    // The ARN's form is the service's (resource type `protect-configuration`).
    this.arn = pulumi.interpolate`arn:aws:sms-voice:${args.region}:${args.accountId}:protect-configuration/${this.id}`;
    this.registerOutputs({ id: this.id, arn: this.arn });
  }
}
