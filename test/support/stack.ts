/**
 * Test harness: a local stack per test file on the shared DynamoDB Local (tables under a prefix
 * of their own), and a GraphQL client that signs in as any user.
 */
import { randomUUID } from 'node:crypto';
import { sharedDynamoDbEndpoint } from './dynamodb.ts';
import {
  devStackConfig,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from '#local/stack.ts';

/** A pool ARN for the local SMS stand-in, which accepts any origination identity. */
export const LOCAL_SMS_POOL_ARN =
  'arn:aws:sms-voice:eu-central-1:000000000000:pool/pool-0123456789abcdef0123456789abcdef';

/** The dev stack's config with SMS configured (dev itself has no origination identity). */
export function smsStackConfig() {
  return { ...devStackConfig(), smsOriginationIdentity: LOCAL_SMS_POOL_ARN };
}

export async function startTestStack(
  options: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    dynamodbEndpoint: sharedDynamoDbEndpoint(),
    prefix: `t${randomUUID().slice(0, 8)}`,
    config: devStackConfig(),
    log: () => undefined,
    // Tests move the clock themselves and do not wait for real retry intervals.
    autoFire: false,
    retryScale: 0.01,
    lambdaLogLevel: 'SILENT',
    ...options,
  });
}

/** An AppSync error entry as the local API returns it. */
export interface GraphqlError {
  path: (string | number)[] | null;
  data: unknown;
  errorType: string | null;
  errorInfo: Record<string, unknown> | null;
  message: string;
}

export interface GraphqlResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: GraphqlError[];
}

export interface GraphqlClient {
  readonly sub: string;
  /** Sends a query or mutation; answers the whole response body. */
  request<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResponse<T>>;
  /** Sends and requires success; answers `data`. */
  data<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Sends and requires exactly one error; answers it. */
  error(query: string, variables?: Record<string, unknown>): Promise<GraphqlError>;
}

export async function tokenFor(
  stack: LocalStack,
  claims: Record<string, unknown>,
): Promise<string> {
  const response = await fetch(`${stack.url}/_local/token`, {
    method: 'POST',
    body: JSON.stringify(claims),
  });
  if (!response.ok)
    throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Signs in as `sub` with the email `<sub>@example.com`; `claims` adds to the token request. */
export async function signIn(
  stack: LocalStack,
  sub: string,
  claims: Record<string, unknown> = {},
): Promise<GraphqlClient> {
  const token = await tokenFor(stack, { sub, email: `${sub}@example.com`, ...claims });
  const request = async <T>(query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    if (response.status !== 200)
      throw new Error(`GraphQL answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as GraphqlResponse<T>;
  };
  return {
    sub,
    request,
    async data<T>(query: string, variables?: Record<string, unknown>) {
      const body = await request<T>(query, variables);
      if (body.errors !== undefined || body.data === null || body.data === undefined) {
        throw new Error(`expected data, got ${JSON.stringify(body)}`);
      }
      return body.data;
    },
    async error(query: string, variables?: Record<string, unknown>) {
      const body = await request(query, variables);
      if (body.errors?.length !== 1)
        throw new Error(`expected one error, got ${JSON.stringify(body)}`);
      return body.errors[0] as GraphqlError;
    },
  };
}

/** The GraphQL selection of every SavingsPlan field. */
export const PLAN_FIELDS = `
  id status amount currency asset version nextRunAt createdAt updatedAt
  schedule { frequency timeOfDay timezone dayOfWeek dayOfMonth startDate endDate }
`;
