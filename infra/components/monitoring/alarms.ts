/**
 * Every alarm of the stack's alarm catalog (`shared/monitoring/alarms.ts`), created as it is
 * declared: a queue, function, table or rule added to the topology gets its alarms here with no
 * change to this file. Every alarm notifies the topic of its severity both when it fires and when
 * it recovers (alarm and OK actions), so an incident's end is announced where its start was.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AlarmDefinition, Severity } from '#shared/monitoring/alarms.ts';
import {
  alarmDescription,
  alarmMetricArgs,
  compositeRule,
  type ResourceValues,
} from './alarm-args.ts';

type In<T> = pulumi.Input<T>;

export interface AlarmsArgs {
  /** `alarmCatalog(...)`: metric alarms first, composites after the alarms they name. */
  readonly catalog: readonly AlarmDefinition[];
  /** Where `docs/runbook.md` is read: each description links its section. */
  readonly runbookUrl: string;
  readonly topicArns: Readonly<Record<Severity, In<string>>>;
  /** The values of the catalog's resource references (the AppSync API's id). */
  readonly resourceValues: ResourceValues;
  readonly tags: In<Record<string, In<string>>>;
}

/** The stack's alarms (type `savings:monitoring:Alarms`), by catalog key. */
export class Alarms extends pulumi.ComponentResource {
  readonly byKey: ReadonlyMap<string, aws.cloudwatch.MetricAlarm | aws.cloudwatch.CompositeAlarm>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:monitoring:Alarms', name, {}, opts);
    const created = new Map<string, aws.cloudwatch.MetricAlarm | aws.cloudwatch.CompositeAlarm>();
    const names = new Map(args.catalog.map((alarm) => [alarm.key, alarm.name]));
    for (const alarm of args.catalog) {
      const actions = [args.topicArns[alarm.severity]];
      const common = {
        alarmDescription: alarmDescription(alarm, args.runbookUrl),
        actionsEnabled: true,
        alarmActions: actions,
        okActions: actions,
        tags: args.tags,
      };
      if (alarm.kind === 'metric') {
        created.set(
          alarm.key,
          new aws.cloudwatch.MetricAlarm(
            `${name}-${alarm.key}`,
            {
              name: alarm.name,
              ...common,
              comparisonOperator: alarm.comparison,
              threshold: alarm.threshold,
              evaluationPeriods: alarm.evaluationPeriods,
              datapointsToAlarm: alarm.datapointsToAlarm,
              treatMissingData: alarm.treatMissingData,
              ...alarmMetricArgs(alarm, args.resourceValues),
            },
            { parent: this },
          ),
        );
        continue;
      }
      // A composite can only name alarms that exist: it waits for each of them.
      const members = alarm.rule.of.map((key) => {
        const member = created.get(key);
        if (member === undefined) {
          throw new Error(
            `composite alarm ${alarm.key} names ${key}, which is not created before it`,
          );
        }
        return member;
      });
      created.set(
        alarm.key,
        new aws.cloudwatch.CompositeAlarm(
          `${name}-${alarm.key}`,
          {
            alarmName: alarm.name,
            ...common,
            alarmRule: compositeRule(alarm, (key) => names.get(key) as string),
          },
          { parent: this, dependsOn: members },
        ),
      );
    }
    this.byKey = created;
    this.registerOutputs({});
  }
}
