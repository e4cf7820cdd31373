/**
 * The compliance check of one stack, in-process: the real program under mocks with the stack's
 * config, the whole pack on it. One stack per test file (Pulumi's runtime state is per process,
 * vitest isolates files).
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { TAGGABLE_TYPES } from '../../../policies/aws/all/Resource/missingRequiredTags.ts';
import { policies } from '../../../policies/pack.ts';
import { isStackPolicy } from '../../../policies/lib/policy.ts';
import { cloudResources, runCompliance } from '../../../policies/report/compliance.ts';
import { evaluatePack, type EvaluatedResource } from '../../../policies/report/evaluate.ts';
import type { ProgramRun } from '../../../policies/report/program.ts';
import {
  buildReport,
  renderJson,
  renderMarkdown,
  type ComplianceReport,
} from '../../../policies/report/report.ts';
import { takesTags } from './aws-types.ts';

/** CrossGuard's own unknown-value machinery, as `pulumi preview` hands it to policies. */
const require = createRequire(import.meta.url);
const proxy = require('@pulumi/policy/proxy.js') as {
  unknownCheckingProxy<T>(value: T): T;
  unknownStringValue: string;
};

/**
 * A value as a first `pulumi preview` sees it: every ARN, and every document that contains one,
 * is the output of a resource not created yet.
 */
function beforeCreation(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.startsWith('arn:') || value.includes('"arn:') ? proxy.unknownStringValue : value;
  }
  if (Array.isArray(value)) return value.map(beforeCreation);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, beforeCreation(item)]),
    );
  }
  return value;
}

export interface StackExpectations {
  /** The report's coverage headline. */
  readonly coverage: string;
  /** The advisory findings, as `<policy> <resource>`, each reported to the owner of infra/. */
  readonly advisories: readonly string[];
  /** Stack config values that replace the stack file's. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export function describeCompliance(stack: string, expected: StackExpectations): void {
  describe(`the ${stack} stack`, () => {
    let run: ProgramRun;
    let report: ComplianceReport;
    let resources: EvaluatedResource[];

    beforeAll(async () => {
      ({ run, report } = await runCompliance(
        stack,
        expected.overrides === undefined ? {} : { overrides: expected.overrides },
      ));
      resources = cloudResources(run);
    });

    it('has no mandatory violation', () => {
      expect(
        report.violations.filter((violation) => violation.enforcementLevel === 'mandatory'),
      ).toEqual([]);
      expect(report.passed).toBe(true);
    });

    it('has exactly the known advisory findings', () => {
      expect(
        report.violations.map(
          (violation) => `${violation.policy} ${violation.resource ?? '(stack)'}`,
        ),
      ).toEqual(expected.advisories);
    });

    it(`has the coverage "${expected.coverage}"`, () => {
      expect(report.coverage.headline).toBe(expected.coverage);
    });

    it('evaluates every cloud resource the program registers', () => {
      expect(report.summary.resources).toBe(resources.length);
      expect(resources.length).toBeGreaterThan(100);
    });

    it('writes the same report for the same program, byte for byte', async () => {
      const again = await buildReport({
        project: report.project,
        stack,
        program: report.program,
        policies,
        resources,
      });
      expect(renderMarkdown(again)).toBe(renderMarkdown(report));
      expect(renderJson(again)).toBe(renderJson(report));
      expect(JSON.parse(renderJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
    });

    it('knows for every resource type it registers whether the type takes tags', () => {
      // Providers (`pulumi:providers:aws`) are not AWS resource types and take no tags.
      const types = [
        ...new Set(
          resources
            .map((resource) => resource.type)
            .filter((type) => !type.startsWith('pulumi:providers:')),
        ),
      ].sort();
      const misclassified = types.filter((type) => TAGGABLE_TYPES.has(type) !== takesTags(type));
      expect(misclassified).toEqual([]);
    });

    it('reports nothing more and never fails during a first preview, when every ARN is unknown', async () => {
      const preview = resources.map((resource) => ({
        ...resource,
        inputs: proxy.unknownCheckingProxy(
          beforeCreation(resource.inputs) as Record<string, unknown>,
        ),
        state: proxy.unknownCheckingProxy(
          beforeCreation(resource.state) as Record<string, unknown>,
        ),
      }));
      const results = await evaluatePack(policies, preview);
      expect(
        results
          .flatMap((result) => result.violations)
          .map((violation) => `${violation.policy} ${violation.resource ?? '(stack)'}`)
          .sort(),
      ).toEqual([...expected.advisories].sort());
      // Some resource checks do wait for `pulumi up` (CrossGuard reports them as advisory)...
      expect(results.some((result) => result.unknown.length > 0)).toBe(true);
      // ...but stack policies skip the one resource they cannot read, never the whole stack.
      expect(
        results
          .filter((result) => isStackPolicy(result.policy))
          .flatMap((result) => result.unknown),
      ).toEqual([]);
    });
  });
}
