/**
 * Bundle budgets (issue 15): every Lambda's bundle stays within 300 KiB, the order Lambdas'
 * within 400 KiB, and those not there yet never grow past their ceiling. Covers every function
 * found in `functions/` at test time. The bundles are the run's (`test/support/bundles-setup.ts`
 * bundles once per run).
 */
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_BUDGET_BYTES,
  bundleBudgetBytes,
  bundleFunctions,
  bundleTargetBytes,
  functionNames,
  ORDER_BUNDLE_BUDGET_BYTES,
  OVER_BUDGET_CEILINGS,
} from '#build/functions.ts';
import { markSchemasPure } from '#build/sdk-plugins.ts';

describe('Lambda bundle budgets', () => {
  it('keeps every bundle within its budget', async () => {
    const bundles = await bundleFunctions(functionNames());
    const over = [...bundles.values()]
      .map((bundle) => ({
        name: bundle.name,
        bytes: Buffer.byteLength(bundle.code),
        budget: bundleBudgetBytes(bundle.name),
      }))
      .filter((row) => row.bytes > row.budget);
    expect(over).toEqual([]);
    // A function back within its budget loses its ceiling, so that it cannot grow back past it.
    const fitting = Object.keys(OVER_BUDGET_CEILINGS).filter(
      (name) => Buffer.byteLength(bundles.get(name)?.code ?? '') <= bundleTargetBytes(name),
    );
    expect(fitting).toEqual([]);
  });

  it('gives the order Lambdas 400 KiB and every other function 300 KiB', () => {
    expect([
      bundleTargetBytes('place-order'),
      bundleTargetBytes('block-worker'),
      bundleTargetBytes('decide'),
      bundleTargetBytes('join-block'),
    ]).toEqual([ORDER_BUNDLE_BUDGET_BYTES, ORDER_BUNDLE_BUDGET_BYTES, 300 * 1024, 300 * 1024]);
    expect([bundleBudgetBytes('decide'), bundleBudgetBytes('notifier')]).toEqual([
      300 * 1024,
      300 * 1024,
    ]);
    expect(OVER_BUDGET_CEILINGS).toEqual({});
    expect([BUNDLE_BUDGET_BYTES, ORDER_BUNDLE_BUDGET_BYTES]).toEqual([300 * 1024, 400 * 1024]);
  });

  it("bundles credentials from the environment only, without the X-Ray SDK, the event-stream codec, jose, the JavaScript SHA-256 or the SDK's verbose exception classes", async () => {
    const code = (await bundleFunctions(['place-order'])).get('place-order')?.code ?? '';
    expect({
      sso: code.includes('sso_start_url'),
      credentialProcess: code.includes('credential_process'),
      webIdentity: code.includes('AWS_WEB_IDENTITY_TOKEN_FILE'),
      xray: code.includes('AWS_XRAY_CONTEXT_MISSING'),
      environment: code.includes('AWS_SECRET_ACCESS_KEY'),
      eventStreams: code.includes(':message-type'),
      jose: code.includes('JWSInvalid'),
      // SHA-256's first initial hash word, as the minifier writes it.
      javascriptSha256: code.includes('1779033703'),
      // An SDK exception constructor as generated, minified: build/sdk-exceptions.ts replaces them.
      verboseExceptions: /\$fault:"(client|server)",\.\.\./.test(code),
    }).toEqual({
      sso: false,
      credentialProcess: false,
      webIdentity: false,
      xray: false,
      environment: true,
      eventStreams: false,
      jose: false,
      javascriptSha256: false,
      verboseExceptions: false,
    });
  });
});

describe('markSchemasPure', () => {
  it('wraps top-level array and object literals in pure calls and leaves the rest alone', () => {
    const source = [
      'import { TypeRegistry } from "@smithy/core/schema";',
      'const _h = "http";',
      'export var Op$ = [9, n0, "Op", { [_h]: ["POST", "/", 200] }];',
      'var Settings = { a: 1 };',
      'const registry = new TypeRegistry(n0);',
      'registry.registerError(Op$, Error);',
    ].join('\n');
    expect(markSchemasPure(source)).toEqual(
      [
        'import { TypeRegistry } from "@smithy/core/schema";',
        'const _h = "http";',
        'export var Op$ = /* @__PURE__ */ (() => ([9, n0, "Op", { [_h]: ["POST", "/", 200] }]))();',
        'var Settings = /* @__PURE__ */ (() => ({ a: 1 }))();',
        'const registry = new TypeRegistry(n0);',
        'registry.registerError(Op$, Error);',
      ].join('\n'),
    );
  });
});
