/**
 * CloudWatch's dashboard body as TypeScript types, and the rendering of the typed dashboards
 * (`shared/monitoring/dashboards.ts`) into it. Bodies are built as data and serialised with
 * `JSON.stringify`: no JSON is written by hand.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
import type { AlarmDefinition } from '#shared/monitoring/alarms.ts';
import type { DashboardDefinition, Widget } from '#shared/monitoring/dashboards.ts';
import type { MetricSpec, ResourceRef, Series } from '#shared/monitoring/metrics.ts';
import { percentageExpression } from './alarm-args.ts';

/** The grid: 24 columns; widgets flow left to right, then down. */
export const GRID_COLUMNS = 24;

/** How one metric of a graph is drawn (the last element of its array). */
export interface MetricRenderingOptions {
  readonly id?: string;
  readonly stat?: string;
  readonly label?: string;
  readonly visible?: boolean;
}

/** A metric-math series of a graph. */
export interface ExpressionEntry {
  readonly expression: string;
  readonly id: string;
  readonly label: string;
}

/** `[namespace, name, dimension, value, ..., options]`, or one expression. */
export type MetricEntry =
  readonly [string, string, ...string[], MetricRenderingOptions] | readonly [ExpressionEntry];

export interface HorizontalAnnotation {
  readonly label: string;
  readonly value: number;
}

export interface MetricWidgetProperties {
  readonly title: string;
  readonly view: 'timeSeries' | 'singleValue';
  readonly stacked: boolean;
  readonly region: string;
  readonly period: number;
  readonly metrics: readonly MetricEntry[];
  readonly annotations?: { readonly horizontal: readonly HorizontalAnnotation[] };
}

export interface AlarmWidgetProperties {
  readonly title: string;
  /** Alarm ARNs (at most 100). */
  readonly alarms: readonly string[];
  readonly sortBy: 'stateUpdatedTimestamp';
}

export interface TextWidgetProperties {
  readonly markdown: string;
}

interface Placed {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export type DashboardWidget = Placed &
  (
    | { readonly type: 'metric'; readonly properties: MetricWidgetProperties }
    | { readonly type: 'alarm'; readonly properties: AlarmWidgetProperties }
    | { readonly type: 'text'; readonly properties: TextWidgetProperties }
  );

export interface DashboardBody {
  readonly widgets: readonly DashboardWidget[];
}

/** What rendering needs to know about the deployed stack. */
export interface RenderContext {
  readonly region: string;
  /** The stack's alarms (for graphs' thresholds and alarm widgets). */
  readonly alarms: readonly AlarmDefinition[];
  /** An alarm's ARN from its physical name. */
  readonly alarmArn: (name: string) => string;
  /** The real value of each resource reference (the AppSync API's id). */
  readonly resources: Readonly<Record<ResourceRef['resource'], string>>;
}

function metricEntry(metric: MetricSpec, context: RenderContext, id?: string): MetricEntry {
  const dimensions = Object.entries(metric.dimensions).flatMap(([name, value]) => [
    name,
    typeof value === 'string' ? value : context.resources[value.resource],
  ]);
  const options: MetricRenderingOptions = {
    stat: metric.stat,
    ...(metric.label === undefined ? {} : { label: metric.label }),
    ...(id === undefined ? {} : { id, visible: false }),
  };
  return [metric.namespace, metric.name, ...dimensions, options];
}

/** A series' entries; `index` keeps metric-math ids unique within the widget. */
function seriesEntries(series: Series, index: number, context: RenderContext): MetricEntry[] {
  if (series.kind === 'metric') return [metricEntry(series.metric, context)];
  const numerator = series.numerator.map((_, at) => `s${index}n${at}`);
  const denominator = series.denominator.map((_, at) => `s${index}d${at}`);
  return [
    [
      {
        expression: percentageExpression(numerator, denominator),
        id: `s${index}`,
        label: series.label,
      },
    ],
    ...series.numerator.map((metric, at) => metricEntry(metric, context, numerator[at])),
    ...series.denominator.map((metric, at) => metricEntry(metric, context, denominator[at])),
  ];
}

/** A widget before it is placed: its size, not yet its position. */
export type UnplacedWidget = DashboardWidget extends infer W
  ? W extends DashboardWidget
    ? Omit<W, 'x' | 'y'>
    : never
  : never;

function widgetOf(widget: Widget, context: RenderContext): UnplacedWidget {
  switch (widget.kind) {
    case 'text':
      return {
        type: 'text',
        width: GRID_COLUMNS,
        height: 2,
        properties: { markdown: widget.markdown },
      };
    case 'alarms': {
      const names = new Map(context.alarms.map((alarm) => [alarm.key, alarm.name]));
      const arns = widget.alarms.map((key) => {
        const name = names.get(key);
        if (name === undefined)
          throw new Error(`dashboard names alarm ${key}, which the stack lacks`);
        return context.alarmArn(name);
      });
      return {
        type: 'alarm',
        width: GRID_COLUMNS,
        // The alarm status widget lays out four alarms a row.
        height: 1 + Math.max(1, Math.ceil(arns.length / 4)),
        properties: { title: widget.title, alarms: arns, sortBy: 'stateUpdatedTimestamp' },
      };
    }
    case 'graph':
    case 'number': {
      const alarm =
        widget.kind === 'graph' && widget.alarm !== undefined
          ? context.alarms.find((each) => each.key === widget.alarm)
          : undefined;
      if (widget.kind === 'graph' && widget.alarm !== undefined && alarm?.kind !== 'metric') {
        throw new Error(
          `graph "${widget.title}" draws the threshold of ${widget.alarm}, which is no metric alarm of the stack`,
        );
      }
      return {
        type: 'metric',
        width: widget.kind === 'graph' ? 12 : 6,
        height: widget.kind === 'graph' ? 6 : 4,
        properties: {
          title: widget.title,
          view: widget.kind === 'graph' ? 'timeSeries' : 'singleValue',
          stacked: false,
          region: context.region,
          period: widget.periodSeconds,
          metrics: widget.series.flatMap((series, index) => seriesEntries(series, index, context)),
          ...(alarm?.kind === 'metric'
            ? {
                annotations: {
                  horizontal: [{ label: `${alarm.name} threshold`, value: alarm.threshold }],
                },
              }
            : {}),
        },
      };
    }
  }
}

/** Places widgets on the 24-column grid, left to right, a new row when one does not fit. */
export function layout(widgets: readonly UnplacedWidget[]): DashboardWidget[] {
  const placed: DashboardWidget[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const widget of widgets) {
    if (x + widget.width > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    placed.push({ ...widget, x, y } as DashboardWidget);
    x += widget.width;
    rowHeight = Math.max(rowHeight, widget.height);
  }
  return placed;
}

/** A dashboard definition as CloudWatch's body. */
export function renderDashboardBody(
  dashboard: DashboardDefinition,
  context: RenderContext,
): DashboardBody {
  const title: UnplacedWidget = {
    type: 'text',
    width: GRID_COLUMNS,
    height: 1,
    properties: { markdown: `# ${dashboard.title}` },
  };
  return {
    widgets: layout([title, ...dashboard.widgets.map((widget) => widgetOf(widget, context))]),
  };
}
