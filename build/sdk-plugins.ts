/**
 * esbuild plugins that keep out of the Lambda bundles the parts of the AWS SDK these functions
 * never run. None of them defers anything an invocation needs (a cold start still loads all of
 * it): each removes code no call of this system reaches, and says why.
 */
import { readFile } from 'node:fs/promises';
import { parse, type Node, type VariableDeclaration } from 'acorn';
import type { Plugin } from 'esbuild';

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

/** What a bundle loads in place of `@smithy/core/event-streams` when it is only imported lazily. */
const NO_EVENT_STREAMS =
  "throw new Error('event streams are not bundled: build/sdk-plugins.ts leaves them out, since no function calls an event-stream operation');";

/**
 * Leaves out the event-stream codec (about 15 KiB) that every client's protocol imports lazily,
 * with `await import('@smithy/core/event-streams')`, for the few operations whose request or
 * response is an event stream (S3 SelectObjectContent, Lambda InvokeWithResponseStream, ...).
 * No function of this system calls one; if one ever did, that call would fail with the message
 * above on every run, in tests first. The clients that import the codec statically (S3, Lambda)
 * keep it.
 */
export const noEventStreams: Plugin = {
  name: 'no-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
      args.kind === 'dynamic-import'
        ? { path: 'event-streams', namespace: 'no-event-streams' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-event-streams' }, () => ({
      contents: NO_EVENT_STREAMS,
      loader: 'js',
    }));
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
