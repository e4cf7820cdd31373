/**
 * Table-driven policy tests: each rule starts from a compliant fixture and changes one property
 * per case, asserting the exact messages.
 */
import { describe, expect, it } from 'vitest';
import { policies } from '../../../policies/pack.ts';
import type { PackPolicy } from '../../../policies/lib/policy.ts';
import { messages, type EvaluateOptions, type Fixture } from './harness.ts';

export const ACCOUNT = '123456789012';
export const KEY_ARN = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/project-key`;

/** The pack's policy named `name`. */
export function byName(name: string): PackPolicy {
  const policy = policies.find((candidate) => candidate.name === name);
  if (policy === undefined) throw new Error(`no policy ${name} in the pack`);
  return policy;
}

/** One resource named `fixture` of `type`. */
export function fixture(type: string, inputs: Record<string, unknown>): Fixture {
  return { type, name: 'fixture', inputs };
}

export interface ResourceRule {
  readonly type: string;
  /** What passes: a description (after "passes") and the inputs. */
  readonly passes: readonly (readonly [string, Record<string, unknown>])[];
  /** What is reported: a description (after "reports"), the inputs and the exact messages. */
  readonly reports: readonly (readonly [string, Record<string, unknown>, readonly string[]])[];
  readonly options?: EvaluateOptions;
}

/** The tests of a resource policy on one resource type. */
export function describeResourceRule(name: string, rule: ResourceRule): void {
  describe(name, () => {
    const policy = byName(name);
    for (const [description, inputs] of rule.passes) {
      it(`passes ${description}`, async () => {
        expect(await messages(policy, [fixture(rule.type, inputs)], rule.options)).toEqual([]);
      });
    }
    for (const [description, inputs, expected] of rule.reports) {
      it(`reports ${description}`, async () => {
        expect(await messages(policy, [fixture(rule.type, inputs)], rule.options)).toEqual(
          expected,
        );
      });
    }
  });
}

/** An IAM policy document as the JSON string the program passes. */
export function document(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
