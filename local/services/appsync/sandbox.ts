/**
 * Runs APPSYNC_JS bundles the way AppSync does: each in an isolated realm whose only importable
 * module is `@aws-appsync/utils`, without the built-ins the runtime does not document (Date, Intl,
 * Promise, RegExp-based string methods, padStart, ...), with `JSON.parse` returning "" on bad
 * input as AppSync's does. Everything a handler receives (its context, `util` results) is made of
 * the realm's own objects, so code that leans on a Node-only feature fails here, not in the cloud.
 *
 * Reference: https://docs.aws.amazon.com/appsync/latest/devguide/supported-features.html
 */
import { createContext, runInContext } from 'node:vm';
import { parse, type ExportNamedDeclaration, type ImportDeclaration, type Program } from 'acorn';

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

/** Thrown when a bundle uses module syntax or imports that AppSync would refuse. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
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

/**
 * Runs first in every realm: keeps a private JSON codec for moving data in, then removes what
 * APPSYNC_JS lacks. Returns the codec.
 */
const PREPARE_REALM = `(() => {
  'use strict';
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  for (const name of ${JSON.stringify(REMOVED_GLOBALS)}) { delete globalThis[name]; }
  const removed = ${JSON.stringify(REMOVED_METHODS)};
  for (const owner of Object.keys(removed)) {
    const target = owner.split('.').reduce((object, key) => object[key], globalThis);
    for (const method of removed[owner]) { delete target[method]; }
  }
  JSON.parse = function (text) {
    try { return parse(text); } catch { return ''; }
  };
  return { fromJson: (text) => (text === undefined ? undefined : parse(text)), toJson: (value) => stringify(value) };
})()`;

interface Realm {
  fromJson(text: string | undefined): unknown;
  toJson(value: unknown): string | undefined;
}

/**
 * Turns the bundle's ES module syntax into a function body: imports of `@aws-appsync/utils`
 * become reads from `__appsync`, exports become assignments to `__exports`.
 */
function moduleToFunctionBody(name: string, code: string): string {
  let program: Program;
  try {
    program = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch (error) {
    throw new BundleError(`${name}: ${(error as Error).message}`);
  }
  const edits: { start: number; end: number; text: string }[] = [];
  const exported: string[] = [];
  for (const node of program.body) {
    if (node.type === 'ImportDeclaration') {
      const declaration = node as ImportDeclaration;
      if (declaration.source.value !== '@aws-appsync/utils') {
        throw new BundleError(
          `${name}: module '${String(declaration.source.value)}' is not available in the APPSYNC_JS runtime`,
        );
      }
      const bindings = declaration.specifiers.map((specifier) => {
        if (specifier.type === 'ImportSpecifier') {
          const imported =
            specifier.imported.type === 'Identifier'
              ? specifier.imported.name
              : String(specifier.imported.value);
          return `const ${specifier.local.name} = __appsync[${JSON.stringify(imported)}];`;
        }
        if (specifier.type === 'ImportNamespaceSpecifier')
          return `const ${specifier.local.name} = __appsync;`;
        throw new BundleError(`${name}: @aws-appsync/utils has no default export`);
      });
      edits.push({ start: node.start, end: node.end, text: bindings.join(' ') });
    } else if (node.type === 'ExportNamedDeclaration') {
      const declaration = node as ExportNamedDeclaration;
      if (declaration.declaration) {
        const inner = declaration.declaration;
        if (inner.type === 'FunctionDeclaration') exported.push(inner.id.name);
        else if (inner.type === 'VariableDeclaration') {
          for (const variable of inner.declarations) {
            if (variable.id.type === 'Identifier') exported.push(variable.id.name);
          }
        }
        edits.push({ start: node.start, end: inner.start, text: '' });
      } else {
        if (declaration.source) throw new BundleError(`${name}: re-exports are not supported`);
        for (const specifier of declaration.specifiers) {
          const local =
            specifier.local.type === 'Identifier'
              ? specifier.local.name
              : String(specifier.local.value);
          const as =
            specifier.exported.type === 'Identifier'
              ? specifier.exported.name
              : String(specifier.exported.value);
          exported.push(as === local ? local : `${as}:${local}`);
        }
        edits.push({ start: node.start, end: node.end, text: '' });
      }
    } else if (node.type === 'ExportDefaultDeclaration' || node.type === 'ExportAllDeclaration') {
      throw new BundleError(`${name}: a resolver exports request and response by name`);
    }
  }
  let body = code;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  }
  const assignments = exported
    .map((entry) => {
      const [as, local = as] = entry.split(':');
      return `__exports.${as} = ${local};`;
    })
    .join(' ');
  return `'use strict';\n${body}\n${assignments}`;
}

/** Wraps every function of `value` so its result is rebuilt from the realm's own objects. */
function intoRealm<T>(value: T, realm: Realm): T {
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => {
      const result = fn(...args);
      return result === undefined ? undefined : realm.fromJson(JSON.stringify(result));
    }) as T;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, intoRealm(inner, realm)]),
    ) as T;
  }
  return value;
}

/**
 * Evaluates one bundle (ES module text) in a realm of its own and returns its handlers. `appsync`
 * is what the bundle gets for `@aws-appsync/utils`; any other import is refused as on AppSync.
 *
 * A handler gets a copy of the context built in the realm; after it returns, the properties a
 * handler may change (`stash`) are copied back, so pipeline steps share them as on AppSync.
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
  const realm = runInContext(PREPARE_REALM, sandbox) as Realm;
  const factory = runInContext(
    `(function (__appsync, __exports) {${moduleToFunctionBody(name, code)}\n})`,
    sandbox,
    {
      filename: `appsync:///${name}.js`,
    },
  ) as (appsync: AppSyncModule, exports: Record<string, unknown>) => void;
  const exports: Record<string, unknown> = {};
  factory(intoRealm(appsync, realm), exports);
  const { request, response } = exports;
  if (typeof request !== 'function' || typeof response !== 'function') {
    throw new BundleError(`${name}: a resolver must export request(ctx) and response(ctx)`);
  }
  const invoke = (handler: (ctx: unknown) => unknown) => (ctx: object) => {
    const local = realm.fromJson(JSON.stringify(ctx)) as Record<string, unknown>;
    try {
      return handler(local);
    } finally {
      const stash = (ctx as { stash?: Record<string, unknown> }).stash;
      if (stash !== undefined) {
        const updated = JSON.parse(realm.toJson(local.stash) ?? '{}') as Record<string, unknown>;
        for (const key of Object.keys(stash)) Reflect.deleteProperty(stash, key);
        Object.assign(stash, updated);
      }
    }
  };
  return {
    request: invoke(request as (ctx: unknown) => unknown),
    response: invoke(response as (ctx: unknown) => unknown),
  };
}
