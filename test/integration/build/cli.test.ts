/** `npm run build`: it writes what `pulumi up` deploys for the stack, and refuses bad arguments. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunctions, functionNames, SOURCE_MAP_FILE } from '../../../build/functions.ts';
import { bundleResolvers, loadResolverCatalog } from '../../../build/resolvers.ts';
import { apiSettingsFor } from '#shared/api-settings.ts';
import { parseStackConfig, readStackConfigValues } from '#shared/stack-config.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OUT = mkdtempSync(join(tmpdir(), 'build-'));

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

function build(...args: string[]) {
  return spawnSync(process.execPath, ['build/cli.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('bad arguments', () => {
  it.each([
    ['an unknown stack', ['--stack', 'nope']],
    ['a stack name that is a path', ['--stack', '../dev']],
    ['an unknown option', ['--force']],
  ])('exits 2 with the usage on %s', (_case, args) => {
    const result = build(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run build -- [--stack <stack>]');
  });
});

it('writes every Lambda and resolver bundle as the prod deploy builds them', async () => {
  const result = build('--stack', 'prod', '--out', OUT);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const target = join(OUT, 'prod');

  const lambdas = await bundleFunctions();
  expect(readdirSync(join(target, 'functions')).sort()).toEqual(functionNames());
  for (const [name, bundle] of lambdas) {
    expect(readFileSync(join(target, 'functions', name, 'index.mjs'), 'utf8'), name).toBe(
      bundle.code,
    );
    expect(readFileSync(join(target, 'functions', name, SOURCE_MAP_FILE), 'utf8'), name).toBe(
      bundle.sourceMap,
    );
  }

  const config = parseStackConfig(readStackConfigValues(join(ROOT, 'Pulumi.prod.yaml')));
  const catalog = loadResolverCatalog();
  const resolvers = await bundleResolvers(catalog, apiSettingsFor('savings-plan-buy-prod', config));
  for (const [name, code] of resolvers) {
    const written = readFileSync(join(target, 'resolvers', `${name}.js`), 'utf8');
    expect(written, name).toBe(code);
  }
  // The prod settings are compiled in, not dev's.
  expect(
    [...resolvers.values()].filter((code) => code.includes('savings-plan-buy-prod-plans')),
  ).not.toHaveLength(0);
  expect(readFileSync(join(target, 'schema.graphql'), 'utf8')).toBe(catalog.schema);
  expect(result.stdout).toContain(
    `Built ${lambdas.size} Lambdas and ${resolvers.size} resolvers for prod in ${target}`,
  );
  expect(result.stdout).toMatch(/\| Lambda {3}\| place-order \| \d+\.\d KiB \|/);
}, 120_000);
