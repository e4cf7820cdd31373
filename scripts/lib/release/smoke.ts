/**
 * The smoke test after a release (`npm run smoke`): is the stack on what was released, and
 * healthy? It passes when every `live` alias is on its released version with no leftover routing,
 * the state machine's alias sends every execution to the released version, no critical alarm (the
 * ones that notify the critical topic, `purchases-at-risk` among them) is in ALARM, and the
 * GraphQL endpoint is up and refuses an anonymous caller with 401. Each failure is one line.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineAliasCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { alarmStates, describeAlarms } from './alarms.ts';
import type { SmokeOutputs } from './targets.ts';

export interface SmokeClients {
  readonly lambda: LambdaClient;
  readonly sfn: SFNClient;
  readonly cloudWatch: CloudWatchClient;
}

/** The composite alarm that says customers' money is affected (`<prefix>-purchases-at-risk`). */
const PURCHASES_AT_RISK = '-purchases-at-risk';

const ANONYMOUS_QUERY = JSON.stringify({ query: 'query Smoke { __typename }' });

async function aliases(outputs: SmokeOutputs, clients: SmokeClients): Promise<string[]> {
  const { release } = outputs;
  const problems = await Promise.all(
    release.functions.map(async (fn) => {
      const alias = await clients.lambda.send(
        new GetAliasCommand({ FunctionName: fn.functionName, Name: release.alias }),
      );
      const extra = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
      if (alias.FunctionVersion !== fn.version) {
        return [
          `${fn.function}: live is on version ${alias.FunctionVersion ?? '?'}, not ${fn.version}`,
        ];
      }
      if (extra.length > 0) {
        const routes = extra
          .map(([version, weight]) => `${Math.round(weight * 1000) / 10}% to version ${version}`)
          .join(', ');
        return [`${fn.function}: live still routes ${routes}`];
      }
      return [];
    }),
  );
  return problems.flat();
}

async function stateMachine(outputs: SmokeOutputs, clients: SmokeClients): Promise<string[]> {
  const { aliasArn, versionArn } = outputs.release.stateMachine;
  const alias = await clients.sfn.send(
    new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }),
  );
  const routing = alias.routingConfiguration ?? [];
  const [only] = routing;
  if (routing.length === 1 && only?.stateMachineVersionArn === versionArn && only.weight === 100) {
    return [];
  }
  const routes = routing
    .map((entry) => `${entry.weight ?? 0}% to ${entry.stateMachineVersionArn ?? '?'}`)
    .join(', ');
  return [`state machine: live routes ${routes}, not 100% to ${versionArn}`];
}

async function alarms(outputs: SmokeOutputs, clients: SmokeClients): Promise<string[]> {
  const critical = await describeAlarms(clients.cloudWatch, {
    ActionPrefix: outputs.criticalAlertTopicArn,
  });
  const problems: string[] = [];
  if (![...critical.keys()].some((name) => name.endsWith(PURCHASES_AT_RISK))) {
    problems.push(
      `no critical alarm named *${PURCHASES_AT_RISK} notifies ${outputs.criticalAlertTopicArn}: the stack's monitoring is missing`,
    );
  }
  const watched = await alarmStates(clients.cloudWatch, outputs.release.stateMachine.alarms);
  for (const name of watched.missing) problems.push(`alarm ${name} does not exist`);
  const firing = new Set([
    ...[...critical].filter(([, state]) => state === 'ALARM').map(([name]) => name),
    ...watched.firing,
  ]);
  for (const name of [...firing].sort()) problems.push(`alarm ${name} is in ALARM`);
  return problems;
}

async function graphql(outputs: SmokeOutputs, fetcher: typeof fetch): Promise<string[]> {
  let status: number;
  try {
    const response = await fetcher(outputs.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ANONYMOUS_QUERY,
      signal: AbortSignal.timeout(10_000),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    return [`GraphQL endpoint ${outputs.graphqlUrl} did not answer: ${(error as Error).message}`];
  }
  return status === 401
    ? []
    : [
        `GraphQL endpoint ${outputs.graphqlUrl} answered an anonymous request with ${status}, not 401`,
      ];
}

/** What is wrong with the stack; empty when it passes. */
export async function smokeProblems(
  outputs: SmokeOutputs,
  clients: SmokeClients,
  fetcher: typeof fetch,
): Promise<string[]> {
  const parts = await Promise.all([
    aliases(outputs, clients),
    stateMachine(outputs, clients),
    alarms(outputs, clients),
    graphql(outputs, fetcher),
  ]);
  return parts.flat();
}
