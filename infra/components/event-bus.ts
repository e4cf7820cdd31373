/** The project's EventBridge bus for domain events, encrypted with the project key. */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface EventBusArgs {
  readonly busName: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class EventBus extends pulumi.ComponentResource {
  readonly bus: aws.cloudwatch.EventBus;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: EventBusArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:events:EventBus', name, {}, opts);
    this.bus = new aws.cloudwatch.EventBus(
      `${name}-bus`,
      {
        name: args.busName,
        description: 'Savings Plan Buy domain events: plan changes, purchases, missed runs',
        kmsKeyIdentifier: args.kmsKeyArn,
        tags: args.tags,
      },
      { parent: this },
    );
    this.arn = this.bus.arn;
    this.name = this.bus.name;
    this.registerOutputs({ arn: this.arn });
  }
}
