/** The EventBridge stand-in, driven by the real SDK client. */
import type { AddressInfo } from 'node:net';
import {
  EventBridgeClient,
  EventBridgeServiceException,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJsonServer, createRoutes } from '#local/http.ts';
import { LocalEventBus } from '#local/services/eventbridge.ts';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const routes = createRoutes();
const server = createJsonServer(routes, () => undefined);
let endpoint: string;
let client: EventBridgeClient;

let now: number;
let bus: LocalEventBus;
let requests: string[];
let logged: string[];

beforeAll(async () => {
  routes.prefixes.set('/_aws/events', (request) => {
    requests.push(`${request.method} ${request.url.pathname} ${request.headers['x-amz-target']}`);
    return bus.handler(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_aws/events`;
  client = new EventBridgeClient({
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

beforeEach(() => {
  now = Date.parse('2026-12-07T08:00:03.250Z');
  requests = [];
  logged = [];
  bus = new LocalEventBus({
    now: () => now,
    region: REGION,
    accountId: ACCOUNT,
    log: (line) => logged.push(line),
  });
});

const purchase: PutEventsRequestEntry = {
  Source: 'savings.purchases',
  DetailType: 'PurchaseSucceeded',
  Detail: JSON.stringify({ planId: 'p1', sats: 41234 }),
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('PutEvents', () => {
  it('stores the events it is sent and answers their ids', async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          purchase,
          {
            Source: 'savings.plans',
            DetailType: 'PlanPaused',
            Detail: '{"planId":"p2"}',
            EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/savings`,
            Resources: [`arn:aws:states:${REGION}:${ACCOUNT}:execution:purchase:x`],
            Time: new Date('2026-12-07T07:59:58Z'),
          },
        ],
      }),
    );
    expect(requests).toEqual(['POST /_aws/events/ AWSEvents.PutEvents']);
    expect(answer.FailedEntryCount).toBe(0);
    const ids = (answer.Entries ?? []).map((entry) => entry.EventId);
    expect(ids).toEqual([expect.stringMatching(UUID), expect.stringMatching(UUID)]);
    expect(bus.events()).toEqual([
      {
        id: ids[0],
        time: '2026-12-07T08:00:03Z',
        source: 'savings.purchases',
        detailType: 'PurchaseSucceeded',
        detail: { planId: 'p1', sats: 41234 },
        eventBusName: 'default',
        resources: [],
        account: ACCOUNT,
        region: REGION,
      },
      {
        id: ids[1],
        time: '2026-12-07T07:59:58Z',
        source: 'savings.plans',
        detailType: 'PlanPaused',
        detail: { planId: 'p2' },
        eventBusName: 'savings',
        resources: [`arn:aws:states:${REGION}:${ACCOUNT}:execution:purchase:x`],
        account: ACCOUNT,
        region: REGION,
      },
    ]);
  });

  it('fails a bad entry on its own and stores the others', async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...purchase, Source: undefined },
          { ...purchase, DetailType: undefined },
          { ...purchase, Detail: undefined },
          { ...purchase, Detail: '{"planId":' },
          { ...purchase, Detail: '["p1"]' },
          { ...purchase, Source: 'aws.scheduler' },
          purchase,
        ],
      }),
    );
    const { $metadata: _, ...body } = answer;
    expect(body).toEqual({
      FailedEntryCount: 6,
      Entries: [
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
        },
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage:
            'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        },
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
        },
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
        {
          ErrorCode: 'NotAuthorizedForSourceException',
          ErrorMessage: 'Not authorized for the source.',
        },
        { EventId: expect.stringMatching(UUID) },
      ],
    });
    expect(bus.events().map((event) => event.id)).toEqual([answer.Entries?.[6]?.EventId]);
  });

  it('refuses a request with no entries or more than ten with ValidationException', async () => {
    for (const [entries, constraint] of [
      [[], 'Member must have length greater than or equal to 1'],
      [
        Array.from({ length: 11 }, () => purchase),
        'Member must have length less than or equal to 10',
      ],
    ] as const) {
      const error = await rejection(client.send(new PutEventsCommand({ Entries: [...entries] })));
      expect(error).toBeInstanceOf(EventBridgeServiceException);
      expect(error).toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining(
          `at 'entries' failed to satisfy constraint: ${constraint}`,
        ),
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(bus.events()).toEqual([]);
  });

  it('answers any other operation with UnknownOperationException', async () => {
    const error = await rejection(client.send(new ListRulesCommand({})));
    expect(error).toBeInstanceOf(EventBridgeServiceException);
    expect(error).toMatchObject({
      name: 'UnknownOperationException',
      message: 'The local EventBridge supports only PutEvents, not AWSEvents.ListRules.',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('subscribe', () => {
  it('hands every stored event to subscribers until they unsubscribe, and a failing one fails nothing', async () => {
    const seen: string[] = [];
    const unsubscribe = bus.subscribe((event) => {
      seen.push(event.detailType);
    });
    bus.subscribe(() => {
      throw new Error('no route');
    });
    await client.send(new PutEventsCommand({ Entries: [purchase] }));
    unsubscribe();
    const answer = await client.send(
      new PutEventsCommand({ Entries: [{ ...purchase, DetailType: 'PurchaseFailed' }] }),
    );
    await new Promise((resolve) => setImmediate(resolve));

    expect(answer.FailedEntryCount).toBe(0);
    expect(seen).toEqual(['PurchaseSucceeded']);
    expect(bus.events().map((event) => event.detailType)).toEqual([
      'PurchaseSucceeded',
      'PurchaseFailed',
    ]);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(
      /^event [0-9a-f-]{36} \(PurchaseSucceeded\) listener failed: Error: no route/,
    );
  });
});
