/**
 * CodeDeploy's `BeforeAllowTraffic` hook for every released function: invokes the new version
 * with its harmless request and reports whether it answered as expected (`./hook.ts`). Invoked
 * asynchronously by CodeDeploy, once per deployment.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { CANARY_FUNCTIONS } from '#shared/functions.ts';
import type { CanaryFunction } from '#shared/release.ts';
import { codeDeployClient, lambdaClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { HookReportError, runPreTrafficHook, type HookDependencies } from './hook.ts';

const logger = new Logger();
const env = requireEnvironment(['RELEASED_FUNCTIONS']);

/** `RELEASED_FUNCTIONS`: each released function's deployed name and its catalog name. */
function releasedFunctions(value: string): Record<string, CanaryFunction> {
  const parsed = JSON.parse(value) as unknown;
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((name) => (CANARY_FUNCTIONS as readonly unknown[]).includes(name))
  ) {
    throw new Error(`RELEASED_FUNCTIONS must map deployed names to released functions: ${value}`);
  }
  return parsed as Record<string, CanaryFunction>;
}

const deps: HookDependencies = {
  codedeploy: codeDeployClient(),
  lambda: lambdaClient(),
  releasedFunctions: releasedFunctions(env.RELEASED_FUNCTIONS),
};

export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  try {
    const verdict = await runPreTrafficHook(event, deps);
    const log = verdict.status === 'Succeeded' ? logger.info : logger.error;
    log.call(logger, `pre-traffic hook: ${verdict.status}`, { verdict });
    return verdict;
  } catch (error) {
    if (error instanceof HookReportError) {
      logger.error('pre-traffic hook: the report did not reach CodeDeploy', { error });
    }
    throw error;
  }
};
