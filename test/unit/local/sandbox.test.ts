/**
 * The local APPSYNC_JS runtime: bundles run in a realm without the built-ins AppSync lacks, can
 * import only `@aws-appsync/utils`, and get a `util`/`runtime` that behave as AppSync documents,
 * with time taken from the injected clock.
 */
import { describe, expect, it } from 'vitest';
import { decodeTime } from 'ulid';
import {
  BundleError,
  loadResolverModule,
  type ResolverModule,
} from '#local/services/appsync/sandbox.ts';
import {
  createAppSyncModule,
  EarlyReturn,
  ResolverError,
  type Invocation,
} from '#local/services/appsync/util.ts';

/** 2018-02-06T19:01:35.758Z, the instant of AppSync's `util.time` examples. */
const NOW = 1517943695758;
const ALPHABET62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CROCKFORD32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

interface Loaded {
  readonly module: ResolverModule;
  readonly invocation: Invocation;
  readonly logs: ['log' | 'error', unknown[]][];
}

/** Loads a bundle whose request handler is `body`; the response handler returns ctx.result. */
function load(body: string, now: () => number = () => NOW): Loaded {
  return loadBundle(
    `import { util, runtime } from '@aws-appsync/utils';
export function request(ctx) { ${body} }
export function response(ctx) { return ctx.result; }`,
    now,
  );
}

function loadBundle(code: string, now: () => number = () => NOW): Loaded {
  const invocation: Invocation = { errors: [], authType: 'AMAZON_COGNITO_USER_POOLS' };
  const logs: ['log' | 'error', unknown[]][] = [];
  const appsync = createAppSyncModule(now, () => invocation);
  const module = loadResolverModule('test', code, appsync, (level, args) => {
    logs.push([level, args]);
  });
  return { module, invocation, logs };
}

/** Runs the request handler of a bundle whose request handler is `body`. */
function run(body: string, ctx: object = {}): unknown {
  return load(body).module.request(ctx);
}

function failure(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

function fieldsOf(error: ResolverError) {
  const { message, errorType, data, errorInfo } = error;
  return { message, errorType, data, errorInfo };
}

function base62ToBigInt(text: string): bigint {
  return text.split('').reduce((value, char) => value * 62n + BigInt(ALPHABET62.indexOf(char)), 0n);
}

describe('loadResolverModule', () => {
  const missingGlobals = ['Date', 'Intl', 'Promise', 'Proxy', 'Reflect', 'eval', 'parseInt'];

  it.each(missingGlobals)('leaves %s undefined inside handlers', (name) => {
    expect(run(`return typeof ${name};`)).toEqual('undefined');
  });

  const missingMethods = [
    "'abc'.padStart",
    "'abc'.padEnd",
    "'abc'.repeat",
    "'abc'.includes",
    "'abc'.match",
    '[1].includes',
    'Array.from',
    'Array.of',
    'Object.freeze',
    'Object.create',
    'Object.defineProperty',
    'Number.isInteger',
    'String.fromCharCode',
  ];

  it.each(missingMethods)('leaves %s unavailable inside handlers', (expression) => {
    expect(run(`return typeof ${expression};`)).toEqual('undefined');
  });

  it('keeps the documented built-ins available inside handlers', () => {
    expect(
      run(
        "return [typeof JSON.stringify, typeof Math.floor, typeof 'a'.slice, typeof [].map, typeof Object.keys, typeof Map, typeof Set];",
      ),
    ).toEqual(['function', 'function', 'function', 'function', 'function', 'function', 'function']);
  });

  it('leaves Date undefined for top-level code of the bundle too', () => {
    const { module } = loadBundle(
      `const kind = typeof Date;
export function request() { return kind; }
export function response(ctx) { return ctx.result; }`,
    );
    expect(module.request({})).toEqual('undefined');
  });

  it('gives handlers context arrays without the methods APPSYNC_JS lacks', () => {
    expect(
      run('return typeof ctx.arguments.tags.includes;', { arguments: { tags: ['a'] } }),
    ).toEqual('undefined');
  });

  it('returns an empty string from JSON.parse for text that is not JSON', () => {
    expect(run("return JSON.parse('{bad');")).toEqual('');
  });

  it('parses valid JSON with JSON.parse', () => {
    expect(run('return JSON.parse(\'{"a":[1,"x"]}\');')).toEqual({ a: [1, 'x'] });
  });

  it('refuses to compile code from strings', () => {
    expect(
      run("try { return new Function('return 1')(); } catch (error) { return error.name; }"),
    ).toEqual('EvalError');
  });

  it('refuses a bundle that imports a module other than @aws-appsync/utils', () => {
    expect(() =>
      loadBundle(
        `import { readFileSync } from 'node:fs';
export function request() { return readFileSync; }
export function response(ctx) { return ctx.result; }`,
      ),
    ).toThrow(new BundleError("test: module 'node:fs' is not available in the APPSYNC_JS runtime"));
  });

  it('refuses a bundle that imports a sibling file', () => {
    expect(() =>
      loadBundle(
        `import { helper } from './helper.js';
export function request() { return helper(); }
export function response(ctx) { return ctx.result; }`,
      ),
    ).toThrow(
      new BundleError("test: module './helper.js' is not available in the APPSYNC_JS runtime"),
    );
  });

  it('refuses a bundle without a response handler', () => {
    expect(() => loadBundle('export function request() { return {}; }')).toThrow(
      new BundleError('test: a resolver must export request(ctx) and response(ctx)'),
    );
  });

  it('refuses a bundle without a request handler', () => {
    expect(() => loadBundle('export function response(ctx) { return ctx.result; }')).toThrow(
      new BundleError('test: a resolver must export request(ctx) and response(ctx)'),
    );
  });

  it('refuses a bundle whose request export is not a function', () => {
    expect(() =>
      loadBundle('export const request = {}; export function response(ctx) { return ctx.result; }'),
    ).toThrow(new BundleError('test: a resolver must export request(ctx) and response(ctx)'));
  });

  it('passes the context to both handlers', () => {
    const { module } = load('return { key: { id: { S: ctx.args.id } } };');
    expect([
      module.request({ args: { id: 'p-1' } }),
      module.response({ result: { id: 'p-1' } }),
    ]).toEqual([{ key: { id: { S: 'p-1' } } }, { id: 'p-1' }]);
  });

  it('sends console.log and console.error inside a handler to the log callback', () => {
    const { module, logs } = load(
      "console.log('request', ctx.args); console.error('oops', 2); return null;",
    );
    module.request({ args: { id: 'p-1' } });
    expect(logs).toEqual([
      ['log', ['request', { id: 'p-1' }]],
      ['error', ['oops', 2]],
    ]);
  });
});

describe('util', () => {
  it('throws a ResolverError carrying message, errorType, data and errorInfo from util.error', () => {
    const error = failure(() =>
      run("util.error('Plan not found', 'NotFound', { id: 'p-1' }, { retry: false });"),
    );
    expect(error).toBeInstanceOf(ResolverError);
    expect(fieldsOf(error as ResolverError)).toEqual({
      message: 'Plan not found',
      errorType: 'NotFound',
      data: { id: 'p-1' },
      errorInfo: { retry: false },
    });
  });

  it('gives a util.error without type, data or info null for each', () => {
    const error = failure(() => run("util.error('Bad input');"));
    expect(error).toBeInstanceOf(ResolverError);
    expect(fieldsOf(error as ResolverError)).toEqual({
      message: 'Bad input',
      errorType: null,
      data: null,
      errorInfo: null,
    });
  });

  it('throws an Unauthorized ResolverError from util.unauthorized', () => {
    const error = failure(() => run('util.unauthorized();'));
    expect(error).toBeInstanceOf(ResolverError);
    expect(fieldsOf(error as ResolverError)).toEqual({
      message: 'Unauthorized',
      errorType: 'Unauthorized',
      data: null,
      errorInfo: null,
    });
  });

  it("records util.appendError on the current invocation's errors and carries on", () => {
    const { module, invocation } = load(
      "util.appendError('Amount rounded', 'Warning', { amount: '25.00' }); util.appendError('Second'); return 'done';",
    );
    expect(module.request({})).toEqual('done');
    expect(invocation.errors).toEqual([
      {
        message: 'Amount rounded',
        errorType: 'Warning',
        data: { amount: '25.00' },
        errorInfo: null,
      },
      { message: 'Second', errorType: null, data: null, errorInfo: null },
    ]);
  });

  it('returns the invocation auth type from util.authType', () => {
    expect(run('return util.authType();')).toEqual('AMAZON_COGNITO_USER_POOLS');
  });

  describe('util.time', () => {
    it('reads now from the injected clock', () => {
      expect(
        run(
          "return [util.time.nowISO8601(), util.time.nowEpochMilliSeconds(), util.time.nowEpochSeconds(), util.time.nowFormatted('yyyy-MM-dd HH:mm:ssZ'), util.time.nowFormatted('yyyy-MM-dd HH:mm:ssZ', 'Australia/Perth')];",
        ),
      ).toEqual([
        '2018-02-06T19:01:35.758Z',
        1517943695758,
        1517943695,
        '2018-02-06 19:01:35+0000',
        '2018-02-07 03:01:35+0800',
      ]);
    });

    it('follows the clock when it moves', () => {
      let now = NOW;
      const { module } = load('return util.time.nowEpochMilliSeconds();', () => now);
      const before = module.request({});
      now += 86_400_000;
      expect([before, module.request({})]).toEqual([NOW, NOW + 86_400_000]);
    });

    it('converts epoch milliseconds as AppSync documents', () => {
      expect(
        run(
          "return [util.time.epochMilliSecondsToSeconds(1517943695758), util.time.epochMilliSecondsToISO8601(1517943695758), util.time.epochMilliSecondsToFormatted(1517943695758, 'yyyy-MM-dd HH:mm:ssZ', '+08:00'), util.time.parseISO8601ToEpochMilliSeconds('2018-02-01T17:21:05.180+08:00')];",
        ),
      ).toEqual([
        1517943695,
        '2018-02-06T19:01:35.758Z',
        '2018-02-07 03:01:35+0800',
        1517476865180,
      ]);
    });
  });

  describe('ids', () => {
    it('makes 26-character ULIDs whose time part is the injected clock', () => {
      const id = run('return util.autoUlid();') as string;
      expect(id.length).toEqual(26);
      expect(id.split('').every((char) => CROCKFORD32.indexOf(char) >= 0)).toEqual(true);
      expect(decodeTime(id)).toEqual(NOW);
    });

    it('makes ULIDs that increase within the same millisecond', () => {
      const ids = run('return [util.autoUlid(), util.autoUlid(), util.autoUlid()];') as string[];
      expect(ids.map((id) => decodeTime(id))).toEqual([NOW, NOW, NOW]);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toEqual(3);
    });

    it('makes a version 4 UUID from util.autoId', () => {
      const id = run('return util.autoId();') as string;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('makes 27-character base62 KSUIDs whose timestamp is the injected clock', () => {
      const id = run('return util.autoKsuid();') as string;
      expect(id.length).toEqual(27);
      expect(id.split('').every((char) => ALPHABET62.indexOf(char) >= 0)).toEqual(true);
      // The first 4 of a KSUID's 20 bytes are seconds since 2014-05-13T16:53:20Z.
      expect(Number(base62ToBigInt(id) >> 128n) + 1_400_000_000).toEqual(Math.floor(NOW / 1000));
    });
  });

  describe('util.dynamodb', () => {
    it('types a plain object with toMapValues, keeping numbers numbers and dropping undefined', () => {
      expect(
        run(
          "return util.dynamodb.toMapValues({ a: 'x', n: 5, b: true, z: null, l: [1, 'y'], m: { k: 1 }, u: undefined });",
        ),
      ).toEqual({
        a: { S: 'x' },
        n: { N: 5 },
        b: { BOOL: true },
        z: { NULL: null },
        l: { L: [{ N: 1 }, { S: 'y' }] },
        m: { M: { k: { N: 1 } } },
      });
    });

    it('types single values with the toX helpers', () => {
      expect(
        run(
          "return [util.dynamodb.toDynamoDB('x'), util.dynamodb.toString('x'), util.dynamodb.toNumber(2.5), util.dynamodb.toStringSet(['a']), util.dynamodb.toNumberSet([1]), util.dynamodb.toNull(), util.dynamodb.toMap({ k: 'v' }), util.dynamodb.toList([true]), util.dynamodb.toString(null)];",
        ),
      ).toEqual([
        { S: 'x' },
        { S: 'x' },
        { N: 2.5 },
        { SS: ['a'] },
        { NS: [1] },
        { NULL: null },
        { M: { k: { S: 'v' } } },
        { L: [{ BOOL: true }] },
        null,
      ]);
    });
  });

  describe('util.matches', () => {
    const cases: [string, string, boolean][] = [
      ['a*b', 'aaab', true],
      ['a*b', 'xaaab', false],
      ['a*b', 'aaabx', false],
      ['a|b', 'a', true],
      ['a|b', 'ab', false],
      ['[0-9]{2}:[0-9]{2}', '09:00', true],
      ['[0-9]{2}:[0-9]{2}', '09:00 ', false],
    ];

    it.each(cases)('matches %j against the whole of %j: %s', (pattern, value, expected) => {
      expect(
        run(`return util.matches(${JSON.stringify(pattern)}, ${JSON.stringify(value)});`),
      ).toEqual(expected);
    });
  });
});

describe('runtime.earlyReturn', () => {
  it('throws an EarlyReturn with the value and skipTo', () => {
    const thrown = failure(() => run("runtime.earlyReturn({ id: 'p-1' }, { skipTo: 'END' });"));
    expect(thrown).toBeInstanceOf(EarlyReturn);
    expect(thrown).toEqual(new EarlyReturn({ id: 'p-1' }, 'END'));
  });

  it('skips to the next step with a null value by default', () => {
    const thrown = failure(() => run('runtime.earlyReturn();'));
    expect(thrown).toBeInstanceOf(EarlyReturn);
    expect(thrown).toEqual(new EarlyReturn(null, 'NEXT'));
  });
});
