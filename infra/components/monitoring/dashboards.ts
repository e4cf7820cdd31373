/**
 * The stack's CloudWatch dashboards: every definition of `dashboardCatalog(...)` (the overview
 * with the SLO, and one per bounded context), rendered by `dashboard-body.ts`.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AlarmDefinition } from '#shared/monitoring/alarms.ts';
import type { DashboardDefinition } from '#shared/monitoring/dashboards.ts';
import type { ResourceValues } from './alarm-args.ts';
import { renderDashboardBody } from './dashboard-body.ts';

type In<T> = pulumi.Input<T>;

export interface DashboardsArgs {
  readonly dashboards: readonly DashboardDefinition[];
  readonly alarms: readonly AlarmDefinition[];
  readonly accountId: In<string>;
  readonly region: In<string>;
  readonly resourceValues: ResourceValues;
}

/** The dashboards (type `savings:monitoring:Dashboards`). */
export class Dashboards extends pulumi.ComponentResource {
  constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:monitoring:Dashboards', name, {}, opts);
    const context = pulumi
      .all([args.accountId, args.region, pulumi.output(args.resourceValues)])
      .apply(([accountId, region, resources]) => ({
        region,
        alarms: args.alarms,
        alarmArn: (alarmName: string) =>
          `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmName}`,
        resources,
      }));
    for (const dashboard of args.dashboards) {
      new aws.cloudwatch.Dashboard(
        `${name}-${dashboard.key}`,
        {
          dashboardName: dashboard.name,
          dashboardBody: context.apply((resolved) =>
            JSON.stringify(renderDashboardBody(dashboard, resolved)),
          ),
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
