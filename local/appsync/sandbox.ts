/**
 * Runs APPSYNC_JS bundles the way AppSync does: an isolated realm whose only importable module
 * is `@aws-appsync/utils`, without the built-ins the runtime does not document (Date, Intl,
 * Promise, RegExp-based string methods, padStart, ...), with `JSON.parse` returning "" on bad
 * input as AppSync's does. Code that leans on a Node-only feature fails here, not in the cloud.
 *
 * Reference: https://docs.aws.amazon.com/appsync/latest/devguide/supported-features.html
 */
import { createContext, runInContext } from 'node:vm';
import { transformSync } from 'esbuild';

/** What `import ... from '@aws-appsync/utils'` yields inside the sandbox. */
export interface AppSyncModule {
  readonly util: object;
  readonly runtime: object;
  readonly extensions: object;
}

/** A loaded resolver or function: its handlers, called with a context object. */
export interface ResolverModule {
  request(ctx: object): unknown;
  response(ctx: object): unknown;
}

/** Built-ins that APPSYNC_JS does not provide (undocumented, or denied by AppSync's linter). */
const REMOVED_GLOBALS = [
  'Date',
  'Intl',
  'Promise',
  'Proxy',
  'Reflect',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'FinalizationRegistry',
  'SharedArrayBuffer',
  'Atomics',
  'WebAssembly',
  'eval',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'escape',
  'unescape',
];

const REMOVED_METHODS: Readonly<Record<string, readonly string[]>> = {
  'String.prototype': [
    'padStart',
    'padEnd',
    'repeat',
    'charCodeAt',
    'codePointAt',
    'localeCompare',
    'match',
    'matchAll',
    'search',
    'includes',
    'toLocaleLowerCase',
    'toLocaleUpperCase',
  ],
  String: ['fromCharCode', 'fromCodePoint', 'raw'],
  'Array.prototype': ['includes', 'keys', 'values', 'entries', 'copyWithin', 'toLocaleString'],
  Array: ['from', 'of'],
  Object: [
    'create',
    'defineProperty',
    'defineProperties',
    'freeze',
    'getOwnPropertyDescriptor',
    'getOwnPropertyDescriptors',
    'getOwnPropertyNames',
    'getOwnPropertySymbols',
    'getPrototypeOf',
    'setPrototypeOf',
    'is',
    'isExtensible',
    'isFrozen',
    'isSealed',
    'preventExtensions',
    'seal',
  ],
  Number: ['isInteger', 'isSafeInteger', 'parseInt', 'parseFloat'],
};

const RESTRICT_REALM = `
'use strict';
for (const name of ${JSON.stringify(REMOVED_GLOBALS)}) { delete globalThis[name]; }
const removed = ${JSON.stringify(REMOVED_METHODS)};
for (const owner of Object.keys(removed)) {
  const target = owner.split('.').reduce((object, key) => object[key], globalThis);
  for (const method of removed[owner]) { delete target[method]; }
}
const parse = JSON.parse;
JSON.parse = function (text) {
  try { return parse(text); } catch { return ''; }
};
`;

/**
 * Evaluates one bundle (ES module text) in a realm of its own and returns its handlers. `appsync`
 * is what the bundle gets for `@aws-appsync/utils`; any other import fails as it would on AppSync.
 * The realm loses the undocumented built-ins once the module has loaded (esbuild's module
 * wrapper needs a few of them), so every handler call runs under the runtime's restrictions.
 */
export function loadResolverModule(
  name: string,
  code: string,
  appsync: AppSyncModule,
  log: (level: 'log' | 'error', args: unknown[]) => void,
): ResolverModule {
  const sandbox = createContext(
    {
      console: {
        log: (...args: unknown[]) => log('log', args),
        error: (...args: unknown[]) => log('error', args),
      },
    },
    { codeGeneration: { strings: false, wasm: false } },
  );
  const cjs = transformSync(code, { format: 'cjs', loader: 'js', sourcefile: `${name}.js` }).code;
  const factory = runInContext(
    `(function (exports, require, module) {'use strict';${cjs}\n})`,
    sandbox,
    { filename: `appsync:///${name}.js` },
  ) as (exports: object, require: (id: string) => unknown, module: object) => void;
  const module: { exports: Record<string, unknown> } = { exports: {} };
  const requireModule = (id: string) => {
    if (id === '@aws-appsync/utils') return appsync;
    throw new Error(`${name}: module '${id}' is not available in the APPSYNC_JS runtime`);
  };
  factory(module.exports, requireModule, module);
  runInContext(RESTRICT_REALM, sandbox);
  const { request, response } = module.exports;
  if (typeof request !== 'function' || typeof response !== 'function') {
    throw new Error(`${name}: a resolver must export request(ctx) and response(ctx)`);
  }
  return {
    request: request as ResolverModule['request'],
    response: response as ResolverModule['response'],
  };
}
