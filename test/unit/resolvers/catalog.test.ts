/** Resolver discovery against the schema and manifest, and the bundles AppSync receives. */
import { cpSync, mkdtempSync, readdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import appsync from '@aws-appsync/eslint-plugin';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  APPSYNC_CODE_LIMIT,
  bundleResolvers,
  loadResolverCatalog,
  RESOLVERS_DIR,
  ResolverCatalogError,
  type ResolverCode,
} from '#build/resolvers.ts';

const SETTINGS = {
  plansTable: 'catalog-test-plans',
  maxPlansPerUser: 25,
  currencies: { EUR: { digits: 2, minAmount: '1.00', maxAmount: '10000.00' } },
};

let code: ResolverCode;
const fixtures: string[] = [];

beforeAll(async () => {
  code = await bundleResolvers(loadResolverCatalog(), SETTINGS);
});

afterEach(() => {
  for (const dir of fixtures.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of resolvers/ whose files can be changed without touching the repository. */
function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'resolvers-'));
  fixtures.push(dir);
  cpSync(RESOLVERS_DIR, dir, { recursive: true });
  return dir;
}

describe('loadResolverCatalog', () => {
  it('finds a resolver for every Query and Mutation field and every pipeline function', () => {
    const catalog = loadResolverCatalog();
    expect(catalog.resolvers.map((entry) => `${entry.typeName}.${entry.fieldName}`)).toEqual([
      'Mutation.createPlan',
      'Mutation.deletePlan',
      'Mutation.pausePlan',
      'Mutation.resumePlan',
      'Mutation.skipNextRun',
      'Mutation.updateNotificationPreferences',
      'Mutation.updatePlan',
      'Query.executions',
      'Query.notificationPreferences',
      'Query.notifications',
      'Query.plan',
      'Query.plans',
      'Query.previewSchedule',
    ]);
    expect(catalog.functions.map((entry) => entry.name)).toEqual([
      'checkOpenRuns',
      'deletePlanItem',
      'loadPlan',
      'loadPreferences',
      'nextRunAfterSkip',
      'savePreferencesItem',
      'skipNextRunItem',
      'updatePlanItem',
    ]);
  });

  it('fails when a resolver file names a field the schema lacks', () => {
    const dir = fixture();
    writeFileSync(
      join(dir, 'Query.planHistory.ts'),
      'export function request() {}\nexport function response() {}\n',
    );
    expect(() => loadResolverCatalog(dir)).toThrow(ResolverCatalogError);
    expect(() => loadResolverCatalog(dir)).toThrow(
      'Resolvers do not match the schema and manifest:\n- resolvers/Query.planHistory.ts names Query.planHistory, which the schema does not have',
    );
  });

  it('fails when a schema field has no resolver', () => {
    const dir = fixture();
    appendFileSync(join(dir, 'schema.graphql'), '\nextend type Query {\n  planCount: Int!\n}\n');
    expect(() => loadResolverCatalog(dir)).toThrow(
      '- Query.planCount has no resolver (resolvers/Query.planCount.ts)',
    );
  });

  it('fails when a field file has no manifest entry', () => {
    const dir = fixture();
    appendFileSync(join(dir, 'schema.graphql'), '\nextend type Query {\n  planCount: Int!\n}\n');
    writeFileSync(join(dir, 'Query.planCount.ts'), '');
    expect(() => loadResolverCatalog(dir)).toThrow(
      '- resolvers/Query.planCount.ts has no entry in resolvers/manifest.ts',
    );
  });

  it('fails when a pipeline function file is missing or unused', () => {
    const missing = fixture();
    rmSync(join(missing, 'pipeline', 'loadPlan.ts'));
    expect(() => loadResolverCatalog(missing)).toThrow(
      '- a pipeline uses function loadPlan, which has no file in resolvers/pipeline/',
    );
    const unused = fixture();
    writeFileSync(join(unused, 'pipeline', 'orphan.ts'), '');
    expect(() => loadResolverCatalog(unused)).toThrow(
      '- resolvers/pipeline/orphan.ts has no entry in resolvers/manifest.ts',
    );
  });
});

describe('bundleResolvers', () => {
  it("bundles every resolver and function within AppSync's 32,768-character limit", () => {
    expect([...code.keys()].sort()).toEqual([
      'Mutation.createPlan',
      'Mutation.deletePlan',
      'Mutation.pausePlan',
      'Mutation.resumePlan',
      'Mutation.skipNextRun',
      'Mutation.updateNotificationPreferences',
      'Mutation.updatePlan',
      'Query.executions',
      'Query.notificationPreferences',
      'Query.notifications',
      'Query.plan',
      'Query.plans',
      'Query.previewSchedule',
      'pipeline/checkOpenRuns',
      'pipeline/deletePlanItem',
      'pipeline/loadPlan',
      'pipeline/loadPreferences',
      'pipeline/nextRunAfterSkip',
      'pipeline/savePreferencesItem',
      'pipeline/skipNextRunItem',
      'pipeline/updatePlanItem',
    ]);
    for (const text of code.values()) expect(text.length).toBeLessThanOrEqual(APPSYNC_CODE_LIMIT);
  });

  it('imports nothing but @aws-appsync/utils and compiles the stack settings in', () => {
    for (const [name, text] of code) {
      const imports = [
        ...text.matchAll(/\bimport\s*(?:\{[^}]*\}|\*\s*as\s+\w+|\w+)\s*from\s*"([^"]+)"/g),
      ].map((match) => match[1]);
      expect(new Set(imports), name).toEqual(
        new Set(imports.length > 0 ? ['@aws-appsync/utils'] : []),
      );
      // The placeholder global is replaced by the settings object (esbuild names it define_API_SETTINGS_default).
      expect(/(?<![\w$])API_SETTINGS(?![\w$])/.test(text), name).toBe(false);
    }
    expect(code.get('Mutation.createPlan')).toContain('"catalog-test-plans"');
  });

  it("produces code that passes AWS's APPSYNC_JS syntax rules after bundling", async () => {
    const base = (appsync.configs as Record<string, Linter.Config>).base as Linter.Config;
    const eslint = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [{ ...base, files: ['**/*.js'] }],
    });
    for (const [name, text] of code) {
      const [result] = await eslint.lintText(text.replace(/\/\/# sourceMappingURL=.*$/m, ''), {
        filePath: `${name}.js`,
      });
      expect(
        result?.messages.map((message) => `${message.ruleId}: ${message.message}`),
        name,
      ).toEqual([]);
    }
  });

  it('is deterministic: the same sources and settings give the same code on any checkout', async () => {
    const again = await bundleResolvers(loadResolverCatalog(), SETTINGS);
    expect([...again]).toEqual([...code]);
    for (const text of code.values()) expect(text).not.toContain(process.cwd());
    expect(readdirSync(RESOLVERS_DIR)).toContain('schema.graphql');
  });
});
