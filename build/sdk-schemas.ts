/**
 * Lets esbuild drop the schemas of the AWS SDK operations a Lambda never calls.
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
import { readFile } from 'node:fs/promises';
import { parse, type Node, type VariableDeclaration } from 'acorn';
import type { Plugin } from 'esbuild';

/** The schema modules of the SDK's clients. */
export const SDK_SCHEMA_FILE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/][^\\/]+\.js$/;

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
      if (init?.type === 'ArrayExpression' || init?.type === 'ObjectExpression') literals.push(init);
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
