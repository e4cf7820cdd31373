/**
 * The compact SDK exception modules (`build/sdk-plugins.ts`, `compactSdkExceptions`) against the
 * SDK's own. Every installed client's errors module (which includes every client a Lambda
 * bundles: there is one `node_modules`) is bundled both ways into one module, minified as the
 * Lambdas are but with names kept (the SDK's classes as the SDK names them), so both sets of classes share the service's base exception and
 * `ServiceException`; then every exception is built both ways, directly and as the protocol
 * builds errors, and compared.
 */
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOptions, functionNames, LAMBDA_CODE_OPTIONS } from '#build/functions.ts';
import {
  compactSdkErrorsModule,
  compactSdkExceptions,
  readSdkErrorsModule,
  SDK_ERRORS_FILE,
} from '#build/sdk-plugins.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SDK_DIR = join(ROOT, 'node_modules', '@aws-sdk');

/** Every installed errors module, by a short label (`client-dynamodb`, `nested-clients/sts`). */
function installedErrorsModules(): Map<string, string> {
  const modules = new Map<string, string>();
  for (const name of readdirSync(SDK_DIR).sort()) {
    const file = join(SDK_DIR, name, 'dist-es', 'models', 'errors.js');
    if (existsSync(file)) modules.set(name, file);
    const submodules = join(SDK_DIR, name, 'dist-es', 'submodules');
    if (!existsSync(submodules)) continue;
    for (const sub of readdirSync(submodules).sort()) {
      const nested = join(submodules, sub, 'models', 'errors.js');
      if (existsSync(nested)) modules.set(`${name}/${sub}`, nested);
    }
  }
  return modules;
}

type ExceptionClass = (new (opts?: Record<string, unknown>) => Error) & { shapeId?: string };
type ErrorsModule = Readonly<Record<string, ExceptionClass>>;

interface BundledPair {
  readonly original: ErrorsModule;
  readonly compact: ErrorsModule;
}

interface Bundled {
  readonly pairs: Readonly<Record<string, BundledPair>>;
  readonly ServiceException: ExceptionClass;
  readonly decorateServiceException: (error: Error, additions: Record<string, unknown>) => Error;
}

/** Loads `original:<path>` as the file itself, past the compact plugin (which sees namespace `file`). */
const originalModules: Plugin = {
  name: 'original-sdk-errors',
  setup(builder) {
    builder.onResolve({ filter: /^original:/ }, (args) => ({
      path: args.path.slice('original:'.length),
      namespace: 'original',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'original' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

const modules = installedErrorsModules();
const labels = [...modules.keys()];
let bundled: Bundled;
let dir: string;

beforeAll(async () => {
  const entry = [
    ...labels.map((label, index) =>
      [
        `import * as original${index} from ${JSON.stringify(`original:${modules.get(label)}`)};`,
        `import * as compact${index} from ${JSON.stringify(modules.get(label))};`,
      ].join('\n'),
    ),
    `export const pairs = {${labels.map((label, index) => `${JSON.stringify(label)}: { original: original${index}, compact: compact${index} }`).join(', ')}};`,
    'export { ServiceException, decorateServiceException } from "@smithy/core/client";',
  ].join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'js' },
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    ...LAMBDA_CODE_OPTIONS,
    // The SDK's classes with the names they have in the SDK: the compact ones name themselves,
    // with names kept or not (the Lambdas do not keep them).
    keepNames: true,
    logLevel: 'silent',
    plugins: [originalModules, compactSdkExceptions],
  });
  dir = mkdtempSync(join(tmpdir(), 'sdk-exceptions-'));
  const file = join(dir, 'errors.mjs');
  writeFileSync(file, result.outputFiles[0]?.text ?? '');
  bundled = (await import(pathToFileURL(file).href)) as Bundled;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The options fields a constructor reads, in its order. */
function fieldsRead(Exception: ExceptionClass): string[] {
  const read: string[] = [];
  const opts = new Proxy(
    {},
    {
      get(_target, key) {
        if (typeof key === 'string') read.push(key);
        return undefined;
      },
    },
  );
  new Exception(opts);
  return read;
}

/** What a class shows: its name, statics, parent and prototype. */
function classView(Exception: ExceptionClass, Base: unknown) {
  const { prototype, ...statics } = Object.getOwnPropertyDescriptors(Exception);
  return {
    statics,
    staticKeys: Reflect.ownKeys(Exception),
    prototypeDescriptor: { ...prototype, value: prototype?.value === Exception.prototype },
    parentIsBase: Object.getPrototypeOf(Exception) === Base,
    prototypeKeys: Reflect.ownKeys(Exception.prototype),
    prototypeConstructor: Exception.prototype.constructor === Exception,
    fieldsRead: fieldsRead(Exception),
  };
}

/** What an instance shows to the SDK and to this system's code. */
function instanceView(
  error: Error,
  Exception: ExceptionClass,
  Base: unknown,
  module: ErrorsModule,
) {
  const { stack, ...descriptors } = Object.getOwnPropertyDescriptors(error);
  return {
    constructorName: error.constructor.name,
    prototypeIsClass: Object.getPrototypeOf(error) === Exception.prototype,
    keys: Reflect.ownKeys(error),
    descriptors,
    hasStack: stack !== undefined,
    text: String(error),
    json: JSON.stringify(error),
    instanceOfBase: error instanceof (Base as ExceptionClass),
    instanceOfServiceException: error instanceof bundled.ServiceException,
    instanceOfError: error instanceof Error,
    isServiceException: (
      bundled.ServiceException as unknown as { isInstance(value: unknown): boolean }
    ).isInstance(error),
    instanceOfClasses: Object.entries(module)
      .filter(([, Exception]) => error instanceof Exception)
      .map(([name]) => name),
  };
}

function retryableOf(error: Error): unknown {
  return (error as { $retryable?: unknown }).$retryable ?? 'none';
}

/** Everything one module's exceptions do, built through `module`. */
function moduleView(module: ErrorsModule) {
  const Base = Object.getPrototypeOf(Object.values(module)[0]) as unknown;
  const metadata = { httpStatusCode: 400, requestId: 'request-1', attempts: 1, totalRetryDelay: 0 };
  return Object.fromEntries(
    Object.entries(module).map(([name, Exception]) => {
      const fields = fieldsRead(Exception);
      const markers = Object.fromEntries(fields.map((field) => [field, `${field} marker`]));
      const Sub = class extends Exception {};
      let withoutOptions: string;
      try {
        withoutOptions = instanceView(new Exception(), Exception, Base, module).text;
      } catch (error) {
        withoutOptions = `threw ${(error as Error).constructor.name}`;
      }
      const view = {
        class: classView(Exception, Base),
        empty: instanceView(new Exception({}), Exception, Base, module),
        full: instanceView(
          new Exception({ message: 'full', $metadata: metadata, ...markers }),
          Exception,
          Base,
          module,
        ),
        overridden: instanceView(
          new Exception({ name: 'Other', $fault: name.length % 2 === 0 ? 'server' : 'client' }),
          Exception,
          Base,
          module,
        ),
        // As the protocols build what the service answered (AwsJsonRpcProtocol, ProtocolLib).
        deserialized: instanceView(
          bundled.decorateServiceException(
            Object.assign(
              new Exception({}),
              { $metadata: metadata },
              { $fault: 'client', message: 'from the service' },
              markers,
            ),
            { Message: 'unmodelled message', Unmodelled: 'kept' },
          ),
          Exception,
          Base,
          module,
        ),
        subclassInstanceBecomesClass: Object.getPrototypeOf(new Sub({})) === Exception.prototype,
        retryableShared: retryableOf(new Exception({})) === retryableOf(new Exception({})),
        withoutOptions,
      };
      return [name, view];
    }),
  );
}

describe('compactSdkExceptions', () => {
  it('covers every errors module a Lambda bundle holds', async () => {
    const { metafile } = await build({ ...bundleOptions(functionNames()), metafile: true });
    const bundledFiles = Object.keys(metafile.inputs)
      .map((input) => join(ROOT, input))
      .filter((input) => SDK_ERRORS_FILE.test(input));
    const tested = new Set([...modules.values()].map((file) => realpathSync(file)));
    expect(bundledFiles.length).toBeGreaterThan(0);
    expect(bundledFiles.filter((file) => !tested.has(file))).toEqual([]);
  });

  it.each(labels)(
    'builds every exception of %s exactly as the SDK does, through one shared class body',
    (label) => {
      const pair = bundled.pairs[label];
      if (pair === undefined) throw new Error(`${label} was not bundled`);
      const { original, compact } = pair;
      expect(Object.keys(compact)).toEqual(Object.keys(original));
      expect(Object.keys(original).length).toBeGreaterThan(0);
      // Distinct classes built by the factory (so the comparison is not of a module with itself).
      const bodies = new Set(Object.values(compact).map((Exception) => String(Exception)));
      expect({
        bodies: bodies.size,
        distinct: new Set(Object.values(compact)).size,
        sharedWithOriginal: Object.keys(compact).filter((name) => compact[name] === original[name]),
      }).toEqual({ bodies: 1, distinct: Object.keys(original).length, sharedWithOriginal: [] });
      expect(moduleView(compact)).toEqual(moduleView(original));
    },
  );
});

describe('readSdkErrorsModule', () => {
  const source = [
    'import { ShopServiceException as __BaseException } from "./ShopServiceException";',
    'export class SoldOutException extends __BaseException {',
    '    static shapeId = "com.example.shop#SoldOutException";',
    '    name = "SoldOutException";',
    '    $fault = "client";',
    '    $retryable = {',
    '        throttling: true,',
    '    };',
    '    Item;',
    '    Reason;',
    '    constructor(opts) {',
    '        super({',
    '            name: "SoldOutException",',
    '            $fault: "client",',
    '            ...opts,',
    '        });',
    '        Object.setPrototypeOf(this, SoldOutException.prototype);',
    '        this.Item = opts.Item;',
    '        this.Reason = opts.Reason;',
    '    }',
    '}',
  ].join('\n');

  it('reads each class: name, fault, shape id, retryable trait and the fields it copies', () => {
    expect(readSdkErrorsModule(source, 'errors.js')).toEqual({
      base: { name: 'ShopServiceException', source: './ShopServiceException' },
      exceptions: [
        {
          name: 'SoldOutException',
          fault: 'client',
          shapeId: 'com.example.shop#SoldOutException',
          retryable: { throttling: true },
          fields: ['Item', 'Reason'],
        },
      ],
    });
  });

  it('generates one factory call per class, under the same export name', () => {
    const lines = compactSdkErrorsModule(source, 'errors.js').split('\n');
    expect([lines[0], ...lines.slice(2)]).toEqual([
      'import { ShopServiceException as __BaseException } from "./ShopServiceException";',
      'const exception = sdkExceptions(__BaseException, "com.example.shop");',
      'export const SoldOutException = /* @__PURE__ */ exception("SoldOutException", "client", ["Item","Reason"], {"throttling":true});',
    ]);
  });

  it.each([
    [
      'a constructor that does more',
      '        this.Reason = opts.Reason;\n',
      '        this.Reason = opts.Reason;\n        this.retries = 3;\n',
    ],
    [
      'a field copied under another name',
      'this.Reason = opts.Reason;',
      'this.Reason = opts.Cause;',
    ],
    ['a field copied but not declared', '    Reason;\n', ''],
    ['a field declared with a value', '    Reason;', '    Reason = "sold out";'],
    ['a statement besides the classes', '    }\n}', '    }\n}\nexport const retries = 3;'],
    ['a class not extending the base exception', 'extends __BaseException', 'extends Error'],
    ['a shape id of another name', 'shop#SoldOutException"', 'shop#OutOfStock"'],
    ['a retryable trait that is not flags', 'throttling: true', 'throttling: "yes"'],
  ])('refuses an errors module with %s, naming the file', (_case, from, to) => {
    const changed = source.replace(from, to);
    expect(changed).not.toEqual(source);
    expect(() => compactSdkErrorsModule(changed, 'shop/errors.js')).toThrowError(
      /^shop\/errors\.js: not the SDK errors module build\/sdk-plugins\.ts \(compactSdkExceptions\) expects: /,
    );
  });
});
