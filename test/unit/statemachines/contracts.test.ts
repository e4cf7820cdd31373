/**
 * The purchase workflow's definition is data and cannot import the contracts it writes: every
 * event it publishes must be one of the bus event catalog's, with the catalog's fields, and every
 * status, failure code and branch value it writes or compares must be declared in
 * `shared/executions.ts`. The GraphQL schema documents the same statuses and codes.
 */
import { readFileSync } from 'node:fs';
import { Kind, parse, type EnumTypeDefinitionNode, type ObjectTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { BUS_EVENTS, isDetailType } from '#shared/bus-events.ts';
import {
  DECISION_ACTIONS,
  EXECUTION_STATUSES,
  FAILURE_CODES,
  ORDER_OUTCOMES,
} from '#shared/executions.ts';
import { EXECUTION_MODES } from '#shared/execution-settings.ts';
import { HOLDINGS_UPDATE_EXPRESSION, holdingsPartition, holdingsUpdate } from '#shared/holdings.ts';
import { PURCHASE_STATE_MACHINE_FILE } from '#shared/state-machines.ts';

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Choices?: readonly Record<string, unknown>[];
  readonly Branches?: readonly { States: Record<string, State> }[];
}

const definition = JSON.parse(readFileSync(PURCHASE_STATE_MACHINE_FILE, 'utf8')) as {
  States: Record<string, State>;
};

/** Every state, parallel branches included, by name. */
function statesOf(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.Branches ?? []).flatMap((branch) => statesOf(branch.States)),
  ]);
}

const STATES = statesOf(definition.States);

/** Every object (at any depth) under `value`, with the key it sits under. */
function objectsUnder(value: unknown, key = ''): [string, Record<string, unknown>][] {
  if (Array.isArray(value)) return value.flatMap((item) => objectsUnder(item, key));
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  return [
    [key, object],
    ...Object.entries(object).flatMap(([child, item]) => objectsUnder(item, child)),
  ];
}

/** The literal DynamoDB strings a state writes: `{ "S": "..." }`, by the name they are bound to. */
function literalStrings(state: State): [string, string][] {
  return objectsUnder(state.Parameters)
    .filter(([, object]) => typeof object.S === 'string')
    .map(([key, object]) => [key, object.S as string]);
}

/** Every comparison of a Choice state (nested `And`, `Or`, `Not` included). */
function comparisons(state: State): { variable: string; value: string }[] {
  return objectsUnder(state.Choices)
    .map(([, rule]) => rule)
    .filter((rule) => typeof rule.StringEquals === 'string')
    .map((rule) => ({ variable: rule.Variable as string, value: rule.StringEquals as string }));
}

const unique = (values: readonly string[]) => [...new Set(values)].sort();

describe('the events the purchase workflow publishes', () => {
  const published = STATES.filter(
    ([, state]) => state.Resource === 'arn:aws:states:::events:putEvents',
  );
  const entries = published.flatMap(([name, state]) =>
    (state.Parameters?.Entries as Record<string, unknown>[]).map((entry) => ({ name, entry })),
  );

  it('are published by the three Publish states, one event each', () => {
    expect(entries.map(({ name, entry }) => [name, entry.DetailType])).toEqual([
      ['PublishSucceeded', 'PurchaseSucceeded'],
      ['PublishFailed', 'PurchaseFailed'],
      ['PublishSkipped', 'PurchaseSkipped'],
    ]);
  });

  it('are events of the catalog, on the project bus, from the catalog’s source, with exactly its fields', () => {
    for (const { name, entry } of entries) {
      const type = entry.DetailType as string;
      expect(isDetailType(type), `${name} publishes ${type}`).toBe(true);
      if (!isDetailType(type)) continue;
      const fields = Object.keys(entry.Detail as Record<string, unknown>).map((field) =>
        field.replace(/\.\$$/, ''),
      );
      expect(
        { bus: entry.EventBusName, source: entry.Source, fields: fields.sort() },
        name,
      ).toEqual({
        bus: '${EventBusName}',
        source: BUS_EVENTS[type].source,
        fields: Object.keys(BUS_EVENTS[type].detail).sort(),
      });
    }
  });
});

describe('the statuses and codes the purchase workflow writes', () => {
  const written = STATES.flatMap(([, state]) => literalStrings(state));

  it('writes only declared execution statuses', () => {
    const statuses = written
      .filter(
        ([key]) => key === 'status' || /^:(pending|submitted|failed|skipped|status)$/.test(key),
      )
      .map(([, value]) => value);
    expect(
      unique(statuses).filter((status) => !EXECUTION_STATUSES.includes(status as never)),
    ).toEqual([]);
    expect(unique(statuses)).toEqual(['FAILED', 'PENDING', 'SKIPPED', 'SUBMITTED']);
  });

  it('writes only declared failure codes', () => {
    const codes = written.filter(([key]) => key === ':code').map(([, value]) => value);
    expect(unique(codes).filter((code) => !FAILURE_CODES.includes(code as never))).toEqual([]);
    expect(unique(codes)).toEqual(['EXCHANGE_UNAVAILABLE']);
  });

  it('binds every other literal string it writes to a name this test knows', () => {
    expect(
      unique(
        written
          .map(([key]) => key)
          .filter(
            (key) =>
              key !== 'status' &&
              key !== ':code' &&
              !/^:(pending|submitted|failed|skipped|status)$/.test(key),
          ),
      ),
    ).toEqual([':reason']);
  });
});

describe('the values the purchase workflow branches on', () => {
  const compared = STATES.flatMap(([, state]) => comparisons(state));
  const declared: Readonly<Record<string, readonly string[]>> = {
    '$.claim.status': EXECUTION_STATUSES,
    '$.decision.action': DECISION_ACTIONS,
    '$.placed.order.outcome': ORDER_OUTCOMES,
    '$.execution.mode': EXECUTION_MODES,
  };

  it('compares only the claim’s status, the decision’s action, the order’s outcome and the execution mode', () => {
    expect(unique(compared.map(({ variable }) => variable))).toEqual(Object.keys(declared).sort());
  });

  it('compares each with declared values only', () => {
    expect(
      compared.filter(({ variable, value }) => !(declared[variable] ?? []).includes(value)),
    ).toEqual([]);
  });
});

describe('the GraphQL schema', () => {
  const document = parse(
    readFileSync(new URL('../../../resolvers/schema.graphql', import.meta.url), 'utf8'),
  );
  const named = <Node extends { name: { value: string } }>(kind: Kind, name: string) =>
    document.definitions.find(
      (node) => node.kind === kind && (node as unknown as Node).name.value === name,
    ) as Node | undefined;

  it('has exactly the declared execution statuses, in their order', () => {
    const status = named<EnumTypeDefinitionNode>(Kind.ENUM_TYPE_DEFINITION, 'ExecutionStatus');
    expect(status?.values?.map((value) => value.name.value)).toEqual([...EXECUTION_STATUSES]);
  });

  it('documents exactly the declared failure codes on Execution.failureCode', () => {
    const execution = named<ObjectTypeDefinitionNode>(Kind.OBJECT_TYPE_DEFINITION, 'Execution');
    const description = execution?.fields?.find((field) => field.name.value === 'failureCode')
      ?.description?.value;
    expect(unique(description?.match(/\b[A-Z][A-Z_]{2,}\b/g) ?? [])).toEqual(unique(FAILURE_CODES));
  });
});

describe('the holdings postings the purchase workflow writes', () => {
  /** The transaction items of a state that update the holdings (`shared/holdings.ts`). */
  const postingsOf = (state: State) =>
    ((state.Parameters?.TransactItems ?? []) as { Update?: Record<string, unknown> }[])
      .map((item) => item.Update)
      .filter((update) => update?.UpdateExpression === HOLDINGS_UPDATE_EXPRESSION);
  const posting = {
    TableName: '${ExecutionsTable}',
    Key: {
      ownerPlan: { 'S.$': "States.Format('holdings#{}', $.userId)" },
      scheduledFor: { 'S.$': '$.placed.order.currency' },
    },
    UpdateExpression: HOLDINGS_UPDATE_EXPRESSION,
    ExpressionAttributeValues: {
      ':sats': { 'N.$': '$.placed.order.btcAcquired' },
      ':spent': { 'N.$': '$.placed.order.spent' },
      ':fee': { 'N.$': '$.placed.order.fee' },
      ':cost': { 'N.$': '$.placed.order.net' },
      ':one': { N: '1' },
      ':currency': { 'S.$': '$.placed.order.currency' },
      ':user': { 'S.$': '$.userId' },
      ':now': { 'S.$': '$$.State.EnteredTime' },
    },
  };

  it('posts exactly once in every state that records a purchase, and nowhere else', () => {
    expect(
      STATES.filter(([, state]) => postingsOf(state).length > 0).map(([name, state]) => [
        name,
        postingsOf(state).length,
      ]),
    ).toEqual([
      ['RecordPurchase', 1],
      ['RecordPurchaseTotalsOnly', 1],
      ['RecordPurchaseLedgerOnly', 1],
    ]);
    expect(JSON.stringify(definition).split('holdings#').length - 1).toBe(3);
  });

  it('writes the ledger’s expression on the key and values of shared/holdings.ts', () => {
    const { Key, ExpressionAttributeValues } = holdingsUpdate(
      'e',
      { userId: 'u', currency: 'EUR', sats: 1n, spentMinor: 2n, feeMinor: 1n },
      'now',
    ).Update;
    expect(Key).toEqual({ ownerPlan: holdingsPartition('u'), scheduledFor: 'EUR' });
    expect(holdingsPartition('u')).toBe('holdings#u');
    for (const [name, state] of STATES) {
      for (const update of postingsOf(state)) {
        expect(update, name).toEqual(posting);
        expect(Object.keys(update?.ExpressionAttributeValues as object).sort(), name).toEqual(
          Object.keys(ExpressionAttributeValues).sort(),
        );
      }
    }
  });

  it('posts in the same transaction as the ledger entry, after its status condition', () => {
    for (const name of ['RecordPurchase', 'RecordPurchaseTotalsOnly', 'RecordPurchaseLedgerOnly']) {
      const state = definition.States[name];
      const items = state?.Parameters?.TransactItems as { Update: Record<string, unknown> }[];
      expect(state?.Resource, name).toBe('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems');
      expect(items[0]?.Update.ConditionExpression, name).toBe('#status IN (:pending, :submitted)');
      expect(items.at(-1)?.Update.UpdateExpression, name).toBe(HOLDINGS_UPDATE_EXPRESSION);
    }
  });
});
