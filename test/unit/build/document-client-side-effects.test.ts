/**
 * `sideEffectFreeDocumentClient` (`build/sdk-plugins.ts`) tells esbuild that the modules of
 * `@aws-sdk/lib-dynamodb` have no side effects, which its package.json does not declare. That is
 * only true while every top-level statement of every module only declares something; this reads
 * the installed version's modules and fails on anything else (a call, an assignment, a static
 * class block), so an SDK update that adds one fails here instead of losing it from the bundles.
 * It also checks the plugin's effect: a bundle that imports the document client without using it
 * holds none of it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type Node } from 'acorn';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_CODE_OPTIONS } from '#build/functions.ts';
import { sideEffectFreeDocumentClient } from '#build/sdk-plugins.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PACKAGE_DIR = join(ROOT, 'node_modules', '@aws-sdk', 'lib-dynamodb', 'dist-es');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The one call the package makes at the top level: `@smithy/core`'s `createPaginator`, which only
 * returns a new function closing over its arguments (the paginators).
 */
const PURE_FACTORIES = new Set(['createPaginator']);

/**
 * An expression whose evaluation runs no code of anyone's: a literal, a function, a name, an
 * object or array of those, or a call of a pure factory with such arguments.
 */
function inert(node: Node | null | undefined): boolean {
  if (node === null || node === undefined) return true;
  switch (node.type) {
    case 'Literal':
    case 'Identifier':
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return true;
    case 'ObjectExpression':
      return (
        node as Node & { properties: (Node & { value?: Node; computed?: boolean })[] }
      ).properties.every(
        (property) =>
          property.type === 'Property' && property.computed !== true && inert(property.value),
      );
    case 'ArrayExpression':
      return (node as Node & { elements: (Node | null)[] }).elements.every(inert);
    case 'CallExpression': {
      const { callee, arguments: args } = node as Node & {
        callee: Node & { name?: string };
        arguments: Node[];
      };
      return (
        callee.type === 'Identifier' && PURE_FACTORIES.has(callee.name ?? '') && args.every(inert)
      );
    }
    case 'TemplateLiteral':
      return (node as Node & { expressions: Node[] }).expressions.length === 0;
    default:
      return false;
  }
}

/** Why the top-level statement `node` may run code, or undefined when it only declares. */
function sideEffect(node: Node): string | undefined {
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'FunctionDeclaration':
      return undefined;
    case 'ExportNamedDeclaration': {
      const { declaration } = node as Node & { declaration: Node | null };
      return declaration === null ? undefined : sideEffect(declaration);
    }
    case 'VariableDeclaration': {
      const { declarations } = node as Node & { declarations: (Node & { init: Node | null })[] };
      const loud = declarations.find((declaration) => !inert(declaration.init));
      return loud === undefined ? undefined : `a declaration initialised by ${loud.init?.type}`;
    }
    case 'ClassDeclaration': {
      const { body } = node as Node & {
        body: { body: (Node & { static?: boolean; value?: Node | null })[] };
      };
      const loud = body.body.find(
        (member) =>
          member.type === 'StaticBlock' ||
          (member.type === 'PropertyDefinition' && member.static === true && !inert(member.value)),
      );
      return loud === undefined ? undefined : `a class with a static ${loud.type}`;
    }
    default:
      return node.type;
  }
}

describe('@aws-sdk/lib-dynamodb, which the bundles treat as free of side effects', () => {
  it('has only declarations at the top level of every module', () => {
    const files = modules(PACKAGE_DIR);
    expect(files.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const file of files) {
      const program = parse(readFileSync(file, 'utf8'), {
        ecmaVersion: 'latest',
        sourceType: 'module',
      });
      for (const statement of program.body) {
        const effect = sideEffect(statement);
        if (effect !== undefined) found.push(`${file.slice(PACKAGE_DIR.length + 1)}: ${effect}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('recognises a statement that runs code', () => {
    const program = parse(
      'register(x); export const y = make(); const p = createPaginator(go()); class Z { static { go(); } }',
      {
        ecmaVersion: 'latest',
        sourceType: 'module',
      },
    );
    expect(program.body.map(sideEffect)).toEqual([
      'ExpressionStatement',
      'a declaration initialised by CallExpression',
      'a declaration initialised by CallExpression',
      'a class with a static StaticBlock',
    ]);
  });

  it('leaves the document client out of a bundle that imports it without using it', async () => {
    const bundleOf = async (plugins: (typeof sideEffectFreeDocumentClient)[]) => {
      const result = await build({
        stdin: {
          contents:
            "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; export const client = 'none';",
          resolveDir: ROOT,
          loader: 'js',
        },
        bundle: true,
        write: false,
        ...LAMBDA_CODE_OPTIONS,
        logLevel: 'silent',
        plugins,
        metafile: true,
      });
      const [output] = Object.values(result.metafile.outputs);
      return Object.entries(output?.inputs ?? {})
        .filter(([file, input]) => file.includes('lib-dynamodb') && input.bytesInOutput > 0)
        .map(([file]) => file);
    };
    // Without the plugin esbuild keeps the modules it cannot prove inert, and all they import: the
    // audit jobs carried the whole DynamoDB client that way.
    expect((await bundleOf([])).length).toBeGreaterThan(0);
    expect(await bundleOf([sideEffectFreeDocumentClient])).toEqual([]);
  }, 60_000);
});
