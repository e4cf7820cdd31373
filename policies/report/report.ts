/**
 * The compliance report: what the policy pack says about one stack's program, as data (JSON) and
 * as Markdown, with the FSBP coverage figure. Output is deterministic (no timestamps, stable
 * order), so two reports of the same commit are identical and a diff shows what changed.
 */
import {
  ADJACENT_FSBP_CONTROLS,
  APPLICABLE_FSBP_CONTROLS,
  RUNTIME_ONLY_FSBP_CONTROLS,
  controlsOf,
  type FsbpControl,
} from '../lib/controls.ts';
import { assertPackConfig } from '../lib/config.ts';
import { isStackPolicy, type PackPolicy } from '../lib/policy.ts';
import {
  effectiveConfig,
  evaluatePack,
  type EvaluatedResource,
  type PackConfig,
  type PolicyResult,
  type Violation,
} from './evaluate.ts';

export type PolicyStatus =
  'passed' | 'violated' | 'no resources to check' | 'not applied to this stack' | 'could not run';

export type ControlStatus =
  | 'met'
  | 'violated'
  /** Enforced, but the stack has no resource the control is about (no SNS topic, say). */
  | 'nothing to check'
  | 'not enforced on this stack'
  | 'not enforced';

export interface ComplianceReport {
  readonly project: string;
  readonly stack: string;
  /** The program evaluated, relative to the repository. */
  readonly program: string;
  readonly passed: boolean;
  readonly summary: {
    readonly resources: number;
    readonly policies: number;
    readonly mandatoryViolations: number;
    readonly advisoryViolations: number;
  };
  readonly coverage: {
    /** "N of M applicable FSBP controls enforced". */
    readonly headline: string;
    readonly enforced: number;
    readonly applicable: number;
    readonly met: number;
    readonly nothingToCheck: number;
    readonly violated: number;
    readonly adjacentEnforced: readonly FsbpControl[];
    readonly runtimeOnly: readonly string[];
  };
  readonly controls: readonly {
    readonly control: FsbpControl;
    readonly applicable: boolean;
    readonly policies: readonly string[];
    readonly status: ControlStatus;
  }[];
  readonly policies: readonly {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: PackPolicy['enforcementLevel'];
    readonly kind: 'resource' | 'stack';
    readonly fsbp: readonly FsbpControl[];
    readonly ownRule: boolean;
    readonly config: Record<string, unknown>;
    readonly status: PolicyStatus;
    /** Resources of the policy's type (resource policies that check one type). */
    readonly resourcesChecked: number | null;
    readonly violations: number;
    readonly remediation: string;
  }[];
  readonly violations: readonly Violation[];
  readonly resources: readonly {
    readonly type: string;
    readonly name: string;
    readonly violations: number;
  }[];
}

function policyStatus(result: PolicyResult): PolicyStatus {
  if (result.violations.length > 0) return 'violated';
  if (result.unknown.length > 0) return 'could not run';
  if (result.examined === 0) return 'no resources to check';
  const stackWide = result.notApplicable.some((entry) => entry.resource === undefined);
  if (
    stackWide ||
    (result.examined !== undefined && result.notApplicable.length >= result.examined)
  ) {
    return 'not applied to this stack';
  }
  return 'passed';
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Evaluates the pack on a program's resources and summarizes it. A pack configuration that does
 * not match the policies' schemas is refused (`PackConfigError`), as the CLI refuses it.
 */
export async function buildReport(args: {
  project: string;
  stack: string;
  program: string;
  policies: readonly PackPolicy[];
  resources: readonly EvaluatedResource[];
  packConfig?: PackConfig;
}): Promise<ComplianceReport> {
  assertPackConfig(args.policies, args.packConfig ?? {});
  const results = await evaluatePack(args.policies, args.resources, args.packConfig);
  const violations = results
    .flatMap((result) => result.violations)
    .sort(
      (a, b) =>
        byText(a.enforcementLevel, b.enforcementLevel) * -1 ||
        byText(a.policy, b.policy) ||
        byText(a.resource ?? '', b.resource ?? '') ||
        byText(a.message, b.message),
    );
  const policies = results.map((result) => ({
    name: result.policy.name,
    description: result.policy.description,
    enforcementLevel: result.policy.enforcementLevel,
    kind: isStackPolicy(result.policy) ? ('stack' as const) : ('resource' as const),
    fsbp: controlsOf(result.policy),
    ownRule: controlsOf(result.policy).length === 0,
    config: effectiveConfig(result.policy, args.packConfig),
    status: policyStatus(result),
    resourcesChecked: result.examined ?? null,
    violations: result.violations.length,
    remediation: result.policy.remediationSteps,
  }));
  const controls = [...APPLICABLE_FSBP_CONTROLS, ...ADJACENT_FSBP_CONTROLS].map((control) => {
    const mapped = policies.filter((policy) => policy.fsbp.includes(control));
    const applied = mapped.filter((policy) => policy.status !== 'not applied to this stack');
    let status: ControlStatus;
    if (mapped.length === 0) status = 'not enforced';
    else if (applied.length === 0) status = 'not enforced on this stack';
    else if (applied.some((policy) => policy.status === 'violated')) status = 'violated';
    else if (applied.every((policy) => policy.status === 'no resources to check')) {
      status = 'nothing to check';
    } else status = 'met';
    return {
      control,
      applicable: (APPLICABLE_FSBP_CONTROLS as readonly string[]).includes(control),
      policies: mapped.map((policy) => policy.name),
      status,
    };
  });
  const applicable = controls.filter((control) => control.applicable);
  const enforced = applicable.filter((control) =>
    ['met', 'violated', 'nothing to check'].includes(control.status),
  ).length;
  const count = (status: ControlStatus) =>
    applicable.filter((control) => control.status === status).length;
  const mandatoryViolations = violations.filter(
    (violation) => violation.enforcementLevel === 'mandatory',
  ).length;
  const perResource = new Map<string, number>();
  for (const violation of violations) {
    if (violation.resource === undefined) continue;
    perResource.set(violation.resource, (perResource.get(violation.resource) ?? 0) + 1);
  }
  return {
    project: args.project,
    stack: args.stack,
    program: args.program,
    passed: mandatoryViolations === 0,
    summary: {
      resources: args.resources.length,
      policies: policies.length,
      mandatoryViolations,
      advisoryViolations: violations.length - mandatoryViolations,
    },
    coverage: {
      headline: `${enforced} of ${applicable.length} applicable FSBP controls enforced`,
      enforced,
      applicable: applicable.length,
      met: count('met'),
      nothingToCheck: count('nothing to check'),
      violated: count('violated'),
      adjacentEnforced: controls
        .filter((control) => !control.applicable && control.status !== 'not enforced')
        .map((control) => control.control),
      runtimeOnly: [...RUNTIME_ONLY_FSBP_CONTROLS],
    },
    controls,
    policies,
    violations,
    resources: [...args.resources]
      .map((resource) => ({
        type: resource.type,
        name: resource.name,
        violations: perResource.get(`${resource.type}::${resource.name}`) ?? 0,
      }))
      .sort((a, b) => byText(a.type, b.type) || byText(a.name, b.name)),
  };
}

/** A table cell: no line breaks, no column separators. */
function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

/** The report as Markdown. */
export function renderMarkdown(report: ComplianceReport): string {
  const { summary, coverage } = report;
  const lines = [
    `# Compliance report: ${report.project} / ${report.stack}`,
    '',
    `The policy pack (\`policies/\`, ${summary.policies} policies) evaluated offline on the Pulumi program \`${report.program}\` with \`Pulumi.${report.stack}.yaml\`, under Pulumi mocks (no cloud account): every resource policy on each of the ${summary.resources} resources, every stack policy on the stack. Regenerate with \`npm run compliance -- --stack ${report.stack}\`.`,
    '',
    `- **Result: ${report.passed ? 'PASS' : 'FAIL'}**: ${summary.mandatoryViolations} mandatory and ${summary.advisoryViolations} advisory violations.`,
    `- **Coverage: ${coverage.headline}**. On this stack: ${coverage.met} met, ${coverage.violated} violated, ${coverage.nothingToCheck} with nothing to check (no resource of their kind), ${coverage.applicable - coverage.enforced} not enforced.`,
    `- Also enforced (adjacent FSBP controls): ${coverage.adjacentEnforced.join(', ') || 'none'}.`,
    `- Only Security Hub can evaluate (runtime): ${coverage.runtimeOnly.join(', ')}.`,
    '',
    '## Violations',
    '',
  ];
  if (report.violations.length === 0) lines.push('None.');
  else {
    lines.push(
      ...table(
        ['Level', 'Policy', 'Resource', 'Message'],
        report.violations.map((violation) => [
          violation.enforcementLevel,
          `\`${violation.policy}\``,
          violation.resource === undefined ? '(stack)' : `\`${violation.resource}\``,
          violation.message,
        ]),
      ),
    );
  }
  lines.push(
    '',
    '## FSBP controls',
    '',
    ...table(
      ['Control', 'In the denominator', 'Status', 'Policies'],
      report.controls.map((control) => [
        control.control,
        control.applicable ? 'yes' : 'adjacent',
        control.status,
        control.policies.map((policy) => `\`${policy}\``).join(', ') || '-',
      ]),
    ),
    '',
    '## Policies',
    '',
    ...table(
      ['Policy', 'Level', 'Kind', 'Maps to', 'Result', 'Description'],
      report.policies.map((policy) => [
        `\`${policy.name}\``,
        policy.enforcementLevel,
        policy.kind,
        policy.fsbp.join(', ') || 'own rule',
        policy.status === 'violated'
          ? `violated (${policy.violations})`
          : policy.resourcesChecked === null || policy.status !== 'passed'
            ? policy.status
            : `passed (${policy.resourcesChecked} checked)`,
        policy.description,
      ]),
    ),
    '',
    '## Resources',
    '',
    ...table(
      ['Type', 'Name', 'Violations'],
      report.resources.map((resource) => [
        `\`${resource.type}\``,
        resource.name,
        String(resource.violations),
      ]),
    ),
    '',
  );
  return lines.join('\n');
}

/** The report as JSON (two-space indentation, trailing newline). */
export function renderJson(report: ComplianceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
