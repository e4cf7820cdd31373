/**
 * The local DynamoDB data source turns the typed values resolvers return (AppSync allows
 * `{ N: 25 }`) into the SDK's AttributeValues (`{ N: '25' }`), and refuses what is not one; and
 * it hands DynamoDB's answers to resolvers as AppSync does, as plain JSON.
 */
import { describe, expect, it } from 'vitest';
import { toAttributeValue, toJson } from '#local/services/appsync/dynamodb.ts';

describe('toAttributeValue', () => {
  const converted: [string, unknown, unknown][] = [
    ['a string', { S: 'x' }, { S: 'x' }],
    ['an empty string', { S: '' }, { S: '' }],
    ['a whole number', { N: 25 }, { N: '25' }],
    ['a decimal number', { N: 25.5 }, { N: '25.5' }],
    ['a negative number', { N: -3 }, { N: '-3' }],
    ['zero', { N: 0 }, { N: '0' }],
    ['a number already written as a string', { N: '2500' }, { N: '2500' }],
    ['true', { BOOL: true }, { BOOL: true }],
    ['false', { BOOL: false }, { BOOL: false }],
    ['null', { NULL: null }, { NULL: true }],
    ['a NULL already marked true', { NULL: true }, { NULL: true }],
    ['a string set', { SS: ['a', 'b'] }, { SS: ['a', 'b'] }],
    ['a number set', { NS: [1, 2.5, '3'] }, { NS: ['1', '2.5', '3'] }],
    ['binary as base64', { B: 'AQID' }, { B: Buffer.from([1, 2, 3]) }],
    [
      'a binary set as base64',
      { BS: ['AQ==', 'Ag=='] },
      { BS: [Buffer.from([1]), Buffer.from([2])] },
    ],
    ['an empty list', { L: [] }, { L: [] }],
    ['an empty map', { M: {} }, { M: {} }],
    [
      'a list of typed values',
      { L: [{ N: 1 }, { S: 'y' }, { NULL: null }] },
      { L: [{ N: '1' }, { S: 'y' }, { NULL: true }] },
    ],
    [
      'a map of typed values',
      { M: { amount: { N: 2500 }, currency: { S: 'EUR' }, active: { BOOL: true } } },
      { M: { amount: { N: '2500' }, currency: { S: 'EUR' }, active: { BOOL: true } } },
    ],
    [
      'maps and lists nested in each other',
      {
        M: {
          schedule: {
            M: { dayOfWeek: { N: 1 }, days: { L: [{ N: 1 }, { M: { at: { N: 9 } } }] } },
          },
          tags: { SS: ['dca'] },
          amounts: { NS: [25, 50] },
        },
      },
      {
        M: {
          schedule: {
            M: { dayOfWeek: { N: '1' }, days: { L: [{ N: '1' }, { M: { at: { N: '9' } } }] } },
          },
          tags: { SS: ['dca'] },
          amounts: { NS: ['25', '50'] },
        },
      },
    ],
  ];

  it.each(converted)('converts %s', (_rule, value, expected) => {
    expect(toAttributeValue(value)).toEqual(expected);
  });

  const refused: [string, unknown, string][] = [
    [
      'two type keys',
      { S: 'x', N: 1 },
      'a typed value needs exactly one type key: {"S":"x","N":1}',
    ],
    ['no type key', {}, 'a typed value needs exactly one type key: {}'],
    ['an unknown type', { X: 1 }, "unknown DynamoDB type 'X'"],
    ['a type in the wrong case', { s: 'x' }, "unknown DynamoDB type 's'"],
    ['an untyped string', 'x', 'not a DynamoDB typed value: "x"'],
    ['an untyped number', 25, 'not a DynamoDB typed value: 25'],
    ['null', null, 'not a DynamoDB typed value: null'],
    ['an array', [{ S: 'x' }], 'not a DynamoDB typed value: [{"S":"x"}]'],
    [
      'a map member with two type keys',
      { M: { a: { S: 'x', N: 1 } } },
      'a typed value needs exactly one type key: {"S":"x","N":1}',
    ],
    ['an untyped list item', { L: ['x'] }, 'not a DynamoDB typed value: "x"'],
    ['an unknown type inside a list', { L: [{ N: 1 }, { Q: 2 }] }, "unknown DynamoDB type 'Q'"],
  ];

  it.each(refused)('refuses %s with a TypeError', (_rule, value, message) => {
    expect(() => toAttributeValue(value)).toThrow(new TypeError(message));
    expect(() => toAttributeValue(value)).toThrow(TypeError);
  });
});

describe('toJson', () => {
  it('gives resolvers plain JSON as AppSync does: sets as lists, numbers as numbers, binary as base64', () => {
    expect(
      toJson({
        planId: { S: 'p1' },
        skipSlots: { SS: ['2027-03-02T06:00:00Z', '2027-03-09T06:00:00Z'] },
        amounts: { NS: ['25', '2.5'] },
        version: { N: '3' },
        digest: { B: new Uint8Array([1, 2, 3]) },
        digests: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
        schedule: { M: { days: { L: [{ N: '1' }, { SS: ['a'] }] }, paused: { BOOL: false } } },
        endDate: { NULL: true },
      }),
    ).toEqual({
      planId: 'p1',
      skipSlots: ['2027-03-02T06:00:00Z', '2027-03-09T06:00:00Z'],
      amounts: [25, 2.5],
      version: 3,
      digest: 'AQID',
      digests: ['AQ==', 'Ag=='],
      schedule: { days: [1, ['a']], paused: false },
      endDate: null,
    });
  });

  it('answers null for no item', () => {
    expect(toJson(undefined)).toBeNull();
  });
});
