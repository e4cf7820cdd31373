/** The local stack's HTTP surface: the Cognito stand-in, AppSync's 401s, health and GraphiQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack, tokenFor } from '../../support/stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack.stop();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as unknown,
  };
}

const QUERY = JSON.stringify({ query: '{ plans { items { id } } }' });

describe('POST /_local/token', () => {
  it('issues a token that the API accepts, plain or as a Bearer token', async () => {
    const token = await tokenFor(stack, {
      sub: 'alice',
      email: 'alice@example.com',
      phone: '+4915112345678',
    });
    expect(token.split('.')).toHaveLength(3);
    for (const authorization of [token, `Bearer ${token}`]) {
      const answer = await post('/graphql', QUERY, { authorization });
      expect(answer).toMatchObject({ status: 200, body: { data: { plans: { items: [] } } } });
    }
  });

  it('puts the claims a Cognito ID token has into the token', async () => {
    const token = await tokenFor(stack, {
      sub: 'alice',
      email: 'alice@example.com',
      phone: '+4915112345678',
    });
    const claims = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as Record<string, unknown>;
    expect(claims).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
      phone_number: '+4915112345678',
      'cognito:username': 'alice',
      token_use: 'id',
    });
  });

  it('refuses a request that does not name a user properly', async () => {
    for (const [body, error] of [
      ['{}', 'sub must be a non-empty string of at most 128 characters, without spaces.'],
      ['{"sub":""}', 'sub must be a non-empty string of at most 128 characters, without spaces.'],
      [
        '{"sub":"a b"}',
        'sub must be a non-empty string of at most 128 characters, without spaces.',
      ],
      ['{"sub":"alice","email":"nope"}', 'email must be an email address.'],
      [
        '{"sub":"alice","phone":"0151 123"}',
        'phone must be an E.164 number such as +4915112345678.',
      ],
      ['[1]', 'sub must be a non-empty string of at most 128 characters, without spaces.'],
      ['not json', 'request body is not valid JSON'],
    ] as const) {
      expect(await post('/_local/token', body)).toMatchObject({ status: 400, body: { error } });
    }
  });
});

describe('POST /graphql authorization', () => {
  it('answers 401 like AppSync when the Authorization header is missing', async () => {
    const answer = await post('/graphql', QUERY);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect(answer.body).toEqual({
      errors: [
        { errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' },
      ],
    });
  });

  it('answers 401 for a token that is malformed or signed by another key', async () => {
    const forged =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmVkIGJ5IHNvbWVib2R5IGVsc2U';
    for (const authorization of ['garbage', 'Bearer ', forged]) {
      expect(await post('/graphql', QUERY, { authorization })).toEqual(
        expect.objectContaining({
          status: 401,
          body: {
            errors: [
              {
                errorType: 'UnauthorizedException',
                message: expect.stringMatching(
                  /^(Unable to parse JWT token\.|Valid authorization header not provided\.)$/,
                ),
              },
            ],
          },
        }),
      );
    }
  });

  it('refuses a body without a query string', async () => {
    const token = await tokenFor(stack, { sub: 'alice' });
    for (const body of [
      '{}',
      '{"query": 5}',
      '{"query": "{ plans { nextToken } }", "variables": [1]}',
    ]) {
      expect(await post('/graphql', body, { authorization: token })).toMatchObject({
        status: 400,
        body: { errors: [{ errorType: 'MalformedHttpRequestException' }] },
      });
    }
  });

  it('reports GraphQL validation errors without running any resolver', async () => {
    const alice = await signIn(stack, 'alice');
    const body = await alice.request('{ plans { items { secret } } }');
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Validation error: Cannot query field "secret" on type "SavingsPlan".',
        path: null,
      }),
    ]);
  });
});

describe('the control endpoints', () => {
  it('answers health once ready, with the prefix of its resource names', async () => {
    const response = await fetch(`${stack.url}/_local/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      prefix: stack.settings.plansTable.replace(/-plans$/, ''),
    });
  });

  it('serves GraphiQL on GET /graphql with a token for the user named by ?sub=', async () => {
    const response = await fetch(`${stack.url}/graphql?sub=bob`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('Savings Plan Buy: local GraphQL (bob)');
    const token = /\\"Authorization\\": \\"([^"\\]+)\\"/.exec(html)?.[1];
    expect(token).toBeDefined();
    expect((await post('/graphql', QUERY, { authorization: token ?? '' })).status).toBe(200);
  });

  it('answers 404 for unknown paths and 405 for a known path with another method', async () => {
    expect((await fetch(`${stack.url}/nope`)).status).toBe(404);
    expect((await fetch(`${stack.url}/_local/token`)).status).toBe(405);
  });

  it('lets a browser frontend on another origin call the API (CORS preflight)', async () => {
    const response = await fetch(`${stack.graphqlUrl}`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });
});
