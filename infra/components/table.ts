/**
 * A DynamoDB table built from its shared definition (`shared/tables.ts`), with the security
 * defaults every table of the system gets: on-demand capacity, encryption with the project key,
 * point-in-time recovery, and deletion protection as the stack configures it.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { KeyAttribute, TableDefinition } from '#shared/tables.ts';

export interface TableArgs {
  readonly definition: TableDefinition;
  /** The physical table name. */
  readonly tableName: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly deletionProtection: pulumi.Input<boolean>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

function attributes(definition: TableDefinition) {
  const keys: KeyAttribute[] = [definition.hashKey];
  if (definition.rangeKey !== undefined) keys.push(definition.rangeKey);
  for (const index of definition.globalSecondaryIndexes ?? []) {
    keys.push(index.hashKey);
    if (index.rangeKey !== undefined) keys.push(index.rangeKey);
  }
  const unique = new Map(keys.map((key) => [key.name, key.type]));
  return [...unique].map(([name, type]) => ({ name, type }));
}

export class Table extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly streamArn: pulumi.Output<string>;
  /** ARNs of the table's global secondary indexes (empty when it has none). */
  readonly indexArns: pulumi.Output<string[]>;

  constructor(name: string, args: TableArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:storage:Table', name, {}, opts);
    const definition = args.definition;
    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: args.tableName,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: definition.hashKey.name,
        ...(definition.rangeKey === undefined ? {} : { rangeKey: definition.rangeKey.name }),
        attributes: attributes(definition),
        globalSecondaryIndexes: (definition.globalSecondaryIndexes ?? []).map((index) => ({
          name: index.name,
          hashKey: index.hashKey.name,
          ...(index.rangeKey === undefined ? {} : { rangeKey: index.rangeKey.name }),
          projectionType: index.projection ?? 'ALL',
        })),
        serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: args.deletionProtection,
        streamEnabled: definition.stream !== undefined,
        ...(definition.stream === undefined ? {} : { streamViewType: definition.stream }),
        ...(definition.ttlAttribute === undefined
          ? {}
          : { ttl: { attributeName: definition.ttlAttribute, enabled: true } }),
        tags: args.tags,
      },
      { parent: this },
    );
    this.name = this.table.name;
    this.arn = this.table.arn;
    this.streamArn = this.table.streamArn;
    this.indexArns = this.table.arn.apply((arn) =>
      (definition.globalSecondaryIndexes ?? []).map((index) => `${arn}/index/${index.name}`),
    );
    this.registerOutputs({ name: this.name, arn: this.arn, streamArn: this.streamArn });
  }
}
