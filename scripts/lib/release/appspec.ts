/**
 * The AppSpec of a Lambda deployment: which function's alias CodeDeploy moves, from which version
 * to which, and the hook it runs before any traffic moves. Sent inline (`revisionType:
 * AppSpecContent`) as JSON, which CodeDeploy accepts as well as YAML.
 *
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
 */
import { createHash } from 'node:crypto';

export interface LambdaAppSpec {
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  /** The function CodeDeploy invokes as `BeforeAllowTraffic`. */
  readonly beforeAllowTraffic: string;
}

/** The AppSpec document, as CodeDeploy reads it. */
export function lambdaAppSpec(spec: LambdaAppSpec): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        [spec.functionName]: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Name: spec.functionName,
            Alias: spec.alias,
            CurrentVersion: spec.currentVersion,
            TargetVersion: spec.targetVersion,
          },
        },
      },
    ],
    Hooks: [{ BeforeAllowTraffic: spec.beforeAllowTraffic }],
  });
}

/** The `sha256` CodeDeploy takes beside inline content (hex of the content's SHA-256). */
export function appSpecSha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}
