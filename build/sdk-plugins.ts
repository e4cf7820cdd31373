/**
 * esbuild plugins that keep out of the Lambda bundles the parts of the AWS SDK these functions
 * never run. None of them defers anything an invocation needs (a cold start still loads all of
 * it): each removes code no call of this system reaches, and says why. One more,
 * `compactSdkExceptions`, removes nothing: it writes the SDK's exception classes more compactly.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type Node, type VariableDeclaration } from 'acorn';
import type { OnResolveArgs, Plugin, PluginBuild, ResolveResult } from 'esbuild';

/*
 * Unused operation schemas.
 *
 * Each `@aws-sdk/client-*` package describes every shape and operation of its service as a
 * module-level array in `dist-es/schemas/schemas_0.js` (`export var SendEmail$ = [9, n0, _SE,
 * { [_h]: ["POST", "/v2/email/outbound-emails", 200] }, ...]`). A computed key such as `[_h]` may
 * run code when evaluated (a `toString`), so esbuild keeps every such array even when nothing
 * imports it: the notifier, which only sends email, carried SESv2's 100 other operations (about
 * 40 KiB). The arrays are plain data (the keys are string constants of the same module), so
 * wrapping each in a pure-annotated call changes nothing at run time, the array is built once at
 * the same point of the module's evaluation, and tells esbuild it may drop what nobody uses.
 */

/** The schema modules of the SDK's clients. */
export const SDK_SCHEMA_FILE =
  /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/;

/**
 * The source of a schema module with every top-level array or object literal initializer wrapped
 * in `/* @__PURE__ *\/ (() => (...))()`. Anything else (imports, registrations) is left as it is.
 */
export function markSchemasPure(source: string): string {
  const program = parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  const literals: Node[] = [];
  for (const statement of program.body) {
    const declaration: Node | null | undefined =
      statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (declaration?.type !== 'VariableDeclaration') continue;
    for (const declarator of (declaration as VariableDeclaration).declarations) {
      const init = declarator.init;
      if (init?.type === 'ArrayExpression' || init?.type === 'ObjectExpression')
        literals.push(init);
    }
  }
  let result = source;
  for (const literal of literals.reverse()) {
    result = `${result.slice(0, literal.start)}/* @__PURE__ */ (() => (${result.slice(literal.start, literal.end)}))()${result.slice(literal.end)}`;
  }
  return result;
}

/** The esbuild plugin applying {@link markSchemasPure} to the SDK's schema modules. */
export const pureSdkSchemas: Plugin = {
  name: 'pure-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_FILE }, async (args) => ({
      contents: markSchemasPure(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/** Why an event-stream operation fails in a bundle: what the stand-ins below throw. */
const NO_EVENT_STREAMS_MESSAGE =
  'event streams are not bundled: build/sdk-plugins.ts leaves them out, since no function calls an event-stream operation';

/** What a bundle loads in place of `@smithy/core/event-streams` when it is only imported lazily. */
const NO_EVENT_STREAMS = `throw new Error('${NO_EVENT_STREAMS_MESSAGE}');`;

/**
 * What a client that imports `@smithy/core/event-streams` statically (S3, Lambda) gets instead:
 * the real config resolver (`resolveEventStreamSerdeConfig`, which only stores what the provider
 * returns as `eventStreamMarshaller`), and a provider whose marshaller throws on use. The client
 * builds the marshaller once, at construction; only an event-stream operation ever calls it.
 */
function staticEventStreams(configResolver: string): string {
  return [
    `export { resolveEventStreamSerdeConfig } from ${JSON.stringify(configResolver)};`,
    `const unavailable = () => { throw new Error('${NO_EVENT_STREAMS_MESSAGE}'); };`,
    'export const eventStreamSerdeProvider = () => ({ serialize: unavailable, deserialize: unavailable });',
  ].join('\n');
}

/** A module of an SDK client package (`@aws-sdk/client-s3`, ...). */
const SDK_CLIENT_MODULE = /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]/;

/** Marks plugin-internal resolutions so a plugin does not see its own `build.resolve`. */
const RESOLVING = Symbol('resolving');

/** Where esbuild would resolve `args` without this file's plugins' own answers. */
function resolveAsUsual(build: PluginBuild, args: OnResolveArgs): Promise<ResolveResult> {
  return build.resolve(args.path, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    pluginData: RESOLVING,
  });
}

/**
 * Leaves out the event-stream codec (about 9 KiB in the bundles) that every client's protocol
 * imports lazily, with `await import('@smithy/core/event-streams')`, for the few operations whose
 * request or response is an event stream (S3 SelectObjectContent, Lambda InvokeWithResponseStream,
 * ...), and that S3 and Lambda also import statically for their marshaller. No function of this
 * system calls one; if one ever did, that call would fail with the message above on every run, in
 * tests first. A static import from anywhere else than an SDK client is left alone, and a client
 * importing a name the stand-in lacks fails the build.
 */
export const noEventStreams: Plugin = {
  name: 'no-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, async (args) => {
      if (args.kind === 'dynamic-import') return { path: 'lazy', namespace: 'no-event-streams' };
      if (args.pluginData === RESOLVING || !SDK_CLIENT_MODULE.test(args.importer)) return undefined;
      const real = await resolveAsUsual(build, args);
      if (real.errors.length > 0) return { errors: real.errors };
      const configResolver = join(
        dirname(real.path),
        'eventstream-serde-config-resolver',
        'EventStreamSerdeConfig.js',
      );
      return { path: 'static', namespace: 'no-event-streams', pluginData: configResolver };
    });
    build.onLoad({ filter: /.*/, namespace: 'no-event-streams' }, (args) => {
      if (args.path === 'lazy') return { contents: NO_EVENT_STREAMS, loader: 'js' };
      const configResolver = args.pluginData as string;
      return {
        contents: staticEventStreams(configResolver),
        resolveDir: dirname(configResolver),
        loader: 'js',
      };
    });
  },
};

/** The `package.json` of an AWS SDK package. */
export const SDK_PACKAGE_JSON = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/;

/**
 * Each SDK client imports its whole `package.json` (about 2 KiB of scripts, dependencies and
 * metadata) for its version, which goes in the user agent. Only `name` and `version` are kept.
 */
export const sdkPackageVersions: Plugin = {
  name: 'sdk-package-versions',
  setup(build) {
    build.onLoad({ filter: SDK_PACKAGE_JSON }, async (args) => {
      const { name, version } = JSON.parse(await readFile(args.path, 'utf8')) as {
        name: string;
        version: string;
      };
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/** A module of `@aws-sdk/lib-dynamodb`. */
const DOCUMENT_CLIENT_MODULE = /[\\/]node_modules[\\/]@aws-sdk[\\/]lib-dynamodb[\\/]/;

/**
 * Lets esbuild drop the unused modules of `@aws-sdk/lib-dynamodb`. Its package.json declares no
 * `sideEffects`, and each of its command modules declares a class extending an imported one,
 * which esbuild must assume may run code; so every bundle importing the document client kept all
 * of its commands and, through them, every DynamoDB command they wrap with its schemas (PartiQL,
 * batch execute, ...), and a bundle importing the module without using it (the audit jobs, through
 * `functions/lib/aws.ts`) kept the whole DynamoDB client. Every top-level statement of the
 * package is an import, an export, or a class, function or constant declaration (checked for the
 * installed version by `test/unit/build/document-client-side-effects.test.ts`), so leaving out a
 * module nobody imports changes nothing at run time.
 */
export const sideEffectFreeDocumentClient: Plugin = {
  name: 'side-effect-free-document-client',
  setup(build) {
    build.onResolve({ filter: /^(@aws-sdk\/lib-dynamodb|\.)/ }, async (args) => {
      if (args.pluginData === RESOLVING) return undefined;
      const fromPackage = args.path.startsWith('.') && DOCUMENT_CLIENT_MODULE.test(args.importer);
      if (!fromPackage && !args.path.startsWith('@aws-sdk/lib-dynamodb')) return undefined;
      const resolved = await resolveAsUsual(build, args);
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, namespace: resolved.namespace, sideEffects: false };
    });
  },
};

/** The Node hash classes of the SDK and the pure-JavaScript fallback each imports. */
const NODE_HASH_FALLBACKS: Readonly<Record<string, string>> = {
  'Sha256Node.js': './Sha256Js',
  'Sha1Node.js': './Sha1Js',
  'Crc32Node.js': './Crc32Js',
};

/** What a bundle loads in place of a pure-JavaScript hash that Node's own always replaces. */
function noJsHash(name: string): string {
  return `export class ${name} { constructor() { throw new Error('${name} is not bundled: build/sdk-plugins.ts leaves it out, since Node 24 hashes natively'); } }`;
}

/**
 * Leaves out the pure-JavaScript SHA-256 (3.4 KiB in every bundle), SHA-1 and CRC32 that the
 * SDK's Node hash classes fall back to when the runtime has no native one
 * (`createHash('sha256')` or `createHash('sha1')` throwing, or `zlib.crc32` missing). On
 * `nodejs24.x` (and the Node 24 the local stack and tests run) `node:crypto` hashes both, SHA-256
 * and SHA-1 stay available even under FIPS mode, and `zlib.crc32` exists since Node 22.2, so the
 * fallback is never chosen: each class is checked once at load and the native one is used. Only
 * the fallback imported by the Node class is replaced; a module importing the JavaScript class
 * itself still gets it. MD5 keeps its fallback: FIPS mode has no MD5.
 */
export const nativeHashesOnly: Plugin = {
  name: 'native-hashes-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/(Sha256Js|Sha1Js|Crc32Js)$/ }, (args) => {
      const importer = /[^\\/]+$/.exec(args.importer)?.[0] ?? '';
      return NODE_HASH_FALLBACKS[importer] === args.path && args.importer.includes('node_modules')
        ? { path: args.path.slice(2), namespace: 'native-hashes-only' }
        : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'native-hashes-only' }, (args) => ({
      contents: noJsHash(args.path),
      loader: 'js',
    }));
  },
};

/*
 * Compact exception classes.
 *
 * Each client declares one class per service exception in `dist-es/models/errors.js`, all alike:
 *
 *   export class ConditionalCheckFailedException extends __BaseException {
 *       static shapeId = "com.amazonaws.dynamodb#ConditionalCheckFailedException";
 *       name = "ConditionalCheckFailedException";
 *       $fault = "client";
 *       Item;
 *       constructor(opts) {
 *           super({ name: "ConditionalCheckFailedException", $fault: "client", ...opts });
 *           Object.setPrototypeOf(this, ConditionalCheckFailedException.prototype);
 *           this.Item = opts.Item;
 *       }
 *   }
 *
 * That is 11 KiB of bundle for DynamoDB's 35 exceptions, 28 KiB for CodeDeploy's. The classes
 * cannot go: the client's schema module registers each with its error schema, the protocol builds
 * every error it receives as `new (registry.getErrorCtor(schema) ?? Error)({})`, and this system
 * narrows on `instanceof` and reads the fields (`CancellationReasons`, `Item`, ...). So the module
 * is replaced by one that defines the same classes, under the same export names, through the
 * shared factory of `build/sdk-exceptions.ts`: one call per class with its name, fault, fields and
 * `$retryable` trait. What each class does is read from the module itself, and the module must be
 * exactly the shape above, re-rendered from what was read: anything else (a new statement, a
 * constructor doing more) fails the build instead of bundling a class that behaves differently.
 * `test/unit/build/sdk-exceptions.test.ts` builds every exception of every installed client both
 * ways and compares them.
 */

/** The exception modules of the SDK's clients (and of the clients nested in `nested-clients`). */
export const SDK_ERRORS_FILE =
  /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:submodules[\\/][^\\/]+[\\/])?models[\\/]errors\.js$/;

/** One exception class of an SDK errors module, as its constructor builds instances. */
export interface SdkException {
  readonly name: string;
  readonly fault: 'client' | 'server';
  /** The static `shapeId`; the older generated modules have none (the registry assigns it). */
  readonly shapeId: string | undefined;
  /** The `$retryable` trait each instance gets a fresh copy of, if any. */
  readonly retryable: Readonly<Record<string, boolean>> | undefined;
  /** The modelled members the constructor copies from its options, in its order. */
  readonly fields: readonly string[];
}

/** What an SDK errors module holds: the import of its service's base exception, then classes. */
export interface SdkErrorsModule {
  /** The base exception's export name and module (`DynamoDBServiceException`, `./Dynamo...`). */
  readonly base: { readonly name: string; readonly source: string };
  readonly exceptions: readonly SdkException[];
}

/** The local name every SDK errors module gives its base exception. */
const BASE_LOCAL = '__BaseException';

/** Fails the build: an SDK errors module that is not the expected shape. */
function unexpected(file: string, what: string): never {
  throw new Error(
    `${file}: not the SDK errors module build/sdk-plugins.ts (compactSdkExceptions) expects: ${what}`,
  );
}

/** A node's string literal value, or undefined. */
function stringLiteral(node: Node | null | undefined): string | undefined {
  const literal = node as { type?: string; value?: unknown } | null | undefined;
  return literal?.type === 'Literal' && typeof literal.value === 'string'
    ? literal.value
    : undefined;
}

/** A non-computed identifier key's name, or undefined. */
function identifierKey(node: { key: Node; computed: boolean }): string | undefined {
  return !node.computed && node.key.type === 'Identifier'
    ? (node.key as Node & { name: string }).name
    : undefined;
}

/** Reads a `$retryable = { throttling: true }` initializer: boolean literals only. */
function readRetryable(file: string, node: Node): Record<string, boolean> {
  if (node.type !== 'ObjectExpression') unexpected(file, '$retryable is not an object literal');
  const retryable: Record<string, boolean> = {};
  for (const property of (node as Node & { properties: Node[] }).properties) {
    const entry = property as Node & { key: Node; value: Node; computed: boolean; kind: string };
    const key =
      entry.type === 'Property' && entry.kind === 'init' ? identifierKey(entry) : undefined;
    const value = (entry.value as { value?: unknown } | undefined)?.value;
    if (key === undefined || typeof value !== 'boolean')
      unexpected(file, '$retryable holds something other than boolean flags');
    retryable[key] = value;
  }
  return retryable;
}

/** Reads one `export class X extends __BaseException { ... }`. */
function readException(file: string, statement: Node): SdkException {
  const declaration = (statement as Node & { declaration?: Node | null }).declaration;
  if (statement.type !== 'ExportNamedDeclaration' || declaration?.type !== 'ClassDeclaration')
    unexpected(file, `a statement other than an exported class at ${statement.start}`);
  const cls = declaration as Node & {
    id: Node & { name: string };
    superClass: (Node & { name?: string }) | null;
    body: {
      body: (Node & { key: Node; computed: boolean; static: boolean; value?: Node | null })[];
    };
  };
  if (cls.superClass?.name !== BASE_LOCAL)
    unexpected(file, `${cls.id.name} does not extend ${BASE_LOCAL}`);
  let shapeId: string | undefined;
  let fault: string | undefined;
  let retryable: Record<string, boolean> | undefined;
  const fields: string[] = [];
  for (const member of cls.body.body) {
    const key = identifierKey(member);
    if (member.type === 'MethodDefinition') continue; // the constructor: checked by re-rendering
    if (member.type !== 'PropertyDefinition' || key === undefined)
      unexpected(file, `${cls.id.name} has a member other than fields and a constructor`);
    if (member.static) {
      shapeId = stringLiteral(member.value);
      if (key !== 'shapeId' || shapeId === undefined)
        unexpected(file, `${cls.id.name} has a static member other than a shapeId string`);
    } else if (key === '$fault') fault = stringLiteral(member.value);
    else if (key === '$retryable' && member.value) retryable = readRetryable(file, member.value);
    else if (key !== 'name') fields.push(key);
  }
  if (fault !== 'client' && fault !== 'server')
    unexpected(file, `${cls.id.name} has no $fault of "client" or "server"`);
  return { name: cls.id.name, fault, shapeId, retryable, fields };
}

/** The module as the SDK's code generator writes it for these classes, to compare with. */
export function renderSdkErrorsModule(errors: SdkErrorsModule): string {
  const classes = errors.exceptions.map((exception) => {
    const { name, fault, shapeId, retryable, fields } = exception;
    const retryableLine =
      retryable === undefined
        ? []
        : [
            `$retryable = {${Object.entries(retryable)
              .map(([key, value]) => ` ${key}: ${String(value)},`)
              .join('')} };`,
          ];
    return [
      `export class ${name} extends ${BASE_LOCAL} {`,
      ...(shapeId === undefined ? [] : [`static shapeId = ${JSON.stringify(shapeId)};`]),
      `name = ${JSON.stringify(name)};`,
      `$fault = ${JSON.stringify(fault)};`,
      ...retryableLine,
      ...fields.map((field) => `${field};`),
      'constructor(opts) {',
      `super({ name: ${JSON.stringify(name)}, $fault: ${JSON.stringify(fault)}, ...opts, });`,
      `Object.setPrototypeOf(this, ${name}.prototype);`,
      ...fields.map((field) => `this.${field} = opts.${field};`),
      '}',
      '}',
    ].join('\n');
  });
  return [
    `import { ${errors.base.name} as ${BASE_LOCAL} } from ${JSON.stringify(errors.base.source)};`,
    ...classes,
  ].join('\n');
}

/** Whitespace-insensitive form of JavaScript source, for comparing a module with its rendering. */
function normalized(source: string): string {
  return source
    .replace(/\s+/g, ' ')
    .replace(/([{(]) /g, '$1')
    .replace(/ ([})])/g, '$1')
    .trim();
}

/**
 * Reads an SDK errors module, and fails (naming `file`) unless it is exactly the import of the
 * base exception followed by exception classes of the expected shape: the module re-rendered from
 * what was read must equal it, whitespace aside.
 */
export function readSdkErrorsModule(source: string, file: string): SdkErrorsModule {
  const program = parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  const [first, ...rest] = program.body;
  if (first?.type !== 'ImportDeclaration')
    unexpected(file, `it does not start with the import of ${BASE_LOCAL}`);
  const [specifier, ...others] = first.specifiers;
  if (
    others.length > 0 ||
    specifier?.type !== 'ImportSpecifier' ||
    specifier.imported.type !== 'Identifier' ||
    specifier.local.name !== BASE_LOCAL
  )
    unexpected(file, `it does not start with the import of ${BASE_LOCAL}`);
  const errors: SdkErrorsModule = {
    base: { name: specifier.imported.name, source: String(first.source.value) },
    exceptions: rest.map((statement) => readException(file, statement)),
  };
  const expected = normalized(renderSdkErrorsModule(errors));
  const actual = normalized(source);
  if (expected !== actual) {
    let at = 0;
    while (expected[at] === actual[at]) at += 1;
    unexpected(
      file,
      `differs from its expected rendering at ...${actual.slice(Math.max(0, at - 80), at + 80)}...`,
    );
  }
  return errors;
}

/** The Smithy namespace shared by every class's `shapeId` (`<namespace>#<name>`), if any. */
function exceptionNamespace(errors: SdkErrorsModule, file: string): string | undefined {
  const ids = errors.exceptions.map((exception) => exception.shapeId);
  if (ids.every((id) => id === undefined)) return undefined;
  const namespace = ids[0]?.split('#')[0];
  errors.exceptions.forEach((exception) => {
    if (exception.shapeId !== `${namespace}#${exception.name}`)
      unexpected(file, `${exception.name}'s shapeId is not ${namespace}#${exception.name}`);
  });
  return namespace;
}

/** The runtime factory the compact modules import (a file path esbuild resolves and bundles). */
export const SDK_EXCEPTIONS_MODULE = fileURLToPath(new URL('./sdk-exceptions.ts', import.meta.url));

/**
 * The compact module standing in for an SDK errors module: the same exports, each defined by one
 * call of {@link SDK_EXCEPTIONS_MODULE}'s factory.
 */
export function compactSdkErrorsModule(source: string, file: string): string {
  const errors = readSdkErrorsModule(source, file);
  const namespace = exceptionNamespace(errors, file);
  const definitions = errors.exceptions.map(({ name, fault, retryable, fields }) => {
    const args = [JSON.stringify(name), JSON.stringify(fault)];
    if (fields.length > 0 || retryable !== undefined) args.push(JSON.stringify(fields));
    if (retryable !== undefined) args.push(JSON.stringify(retryable));
    return `export const ${name} = /* @__PURE__ */ exception(${args.join(', ')});`;
  });
  return [
    `import { ${errors.base.name} as ${BASE_LOCAL} } from ${JSON.stringify(errors.base.source)};`,
    `import { sdkExceptions } from ${JSON.stringify(SDK_EXCEPTIONS_MODULE)};`,
    `const exception = sdkExceptions(${BASE_LOCAL}, ${JSON.stringify(namespace)});`,
    ...definitions,
  ].join('\n');
}

/** The esbuild plugin replacing every SDK errors module by {@link compactSdkErrorsModule}'s. */
export const compactSdkExceptions: Plugin = {
  name: 'compact-sdk-exceptions',
  setup(build) {
    build.onLoad({ filter: SDK_ERRORS_FILE, namespace: 'file' }, async (args) => ({
      contents: compactSdkErrorsModule(await readFile(args.path, 'utf8'), args.path),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};
