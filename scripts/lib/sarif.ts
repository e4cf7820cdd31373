/**
 * Which results of a SARIF log (CodeQL's, as `github/codeql-action/analyze` writes it) must fail
 * the build. GitHub ranks a security alert by its rule's `security-severity` property (high from
 * 7.0, critical from 9.0: https://docs.github.com/en/code-security/code-scanning/managing-code-scanning-alerts/about-code-scanning-alerts#about-alert-severity-and-security-severity-levels);
 * the gate uses the same property, so what fails here is what code scanning calls high or critical.
 */

/** The part of a SARIF 2.1.0 log the gate reads. */
export interface SarifLog {
  readonly runs: readonly SarifRun[];
}

interface SarifRule {
  readonly id: string;
  readonly properties?: { readonly 'security-severity'?: string };
}

interface SarifRun {
  readonly tool: {
    readonly driver: { readonly rules?: readonly SarifRule[] };
    readonly extensions?: readonly { readonly rules?: readonly SarifRule[] }[];
  };
  readonly results?: readonly {
    readonly ruleId?: string;
    readonly rule?: { readonly id?: string };
    readonly message: { readonly text?: string };
    readonly locations?: readonly {
      readonly physicalLocation?: {
        readonly artifactLocation?: { readonly uri?: string };
        readonly region?: { readonly startLine?: number };
      };
    }[];
  }[];
}

/** A result at or above the threshold, as the gate prints it. */
export interface BlockingResult {
  readonly rule: string;
  readonly securitySeverity: number;
  /** `path:line`, or `(no location)`. */
  readonly location: string;
  readonly message: string;
}

/** GitHub's lower bound of "high". */
export const HIGH_SECURITY_SEVERITY = 7.0;

/**
 * The results whose rule has a `security-severity` of at least `threshold`. CodeQL lists its
 * rules under the driver or under the query packs (`tool.extensions`); a result names its rule by
 * `ruleId` or `rule.id`. A result whose rule has no security severity (a quality query) passes.
 */
export function blockingResults(
  log: SarifLog,
  threshold: number = HIGH_SECURITY_SEVERITY,
): BlockingResult[] {
  const blocking: BlockingResult[] = [];
  for (const run of log.runs) {
    const severities = new Map<string, number>();
    const rules = [
      ...(run.tool.driver.rules ?? []),
      ...(run.tool.extensions ?? []).flatMap((extension) => extension.rules ?? []),
    ];
    for (const rule of rules) {
      const severity = Number(rule.properties?.['security-severity']);
      if (Number.isFinite(severity)) severities.set(rule.id, severity);
    }
    for (const result of run.results ?? []) {
      const rule = result.ruleId ?? result.rule?.id ?? '(unknown rule)';
      const severity = severities.get(rule);
      if (severity === undefined || severity < threshold) continue;
      const where = result.locations?.[0]?.physicalLocation;
      const uri = where?.artifactLocation?.uri;
      blocking.push({
        rule,
        securitySeverity: severity,
        location: uri === undefined ? '(no location)' : `${uri}:${where?.region?.startLine ?? 1}`,
        message: result.message.text ?? '',
      });
    }
  }
  return blocking;
}
