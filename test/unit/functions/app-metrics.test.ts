/**
 * Every metric the alarm catalog reads from a function (`APP_METRICS`) is emitted by that
 * function's own handler: a name the catalog reads and no code emits is an alarm that can never
 * fire. A handler emits a name when it passes it to `addMetric` as a literal, or takes its names
 * from the catalog's own group for it (`slot-outcomes`). Running the handlers checks the values
 * and the `service` dimension: test/unit/functions/slot-outcomes.test.ts and
 * test/integration/functions/{place-order-metrics,business-metrics}.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { functionSpecs, type FunctionName } from '#shared/functions.ts';
import { APP_METRICS } from '#shared/monitoring/alarms.ts';

type Emitter = Exclude<keyof typeof APP_METRICS, 'logs'>;
// A group of the catalog that is not a function fails to compile here.
const emitters: readonly (Emitter & FunctionName)[] = (
  Object.keys(APP_METRICS) as (keyof typeof APP_METRICS)[]
).filter((key): key is Emitter => key !== 'logs');

/** The metric names a handler's source emits. */
function emittedBy(name: Emitter): Set<string> {
  const source = readFileSync(new URL(`../../../functions/${name}/handler.ts`, import.meta.url), {
    encoding: 'utf8',
  });
  const literals = [...source.matchAll(/\.addMetric\(\s*'([A-Za-z0-9_]+)'/g)].map(
    (match) => match[1] as string,
  );
  const fromCatalog =
    source.includes(`APP_METRICS['${name}']`) && /\.addMetric\(\s*name\b/.test(source)
      ? Object.values(APP_METRICS[name])
      : [];
  return new Set([...literals, ...fromCatalog]);
}

describe('the business metrics the alarms read', () => {
  it('come from functions of the catalog', () => {
    expect(emitters.filter((name) => !Object.hasOwn(functionSpecs, name))).toEqual([]);
    expect(emitters).toEqual(['sweeper', 'reconcile', 'place-order', 'completer', 'slot-outcomes']);
  });

  it.each(emitters)('are all emitted by the %s handler', (name) => {
    const emitted = emittedBy(name);
    const missing = Object.values(APP_METRICS[name]).filter((metric) => !emitted.has(metric));
    expect(missing).toEqual([]);
  });
});
