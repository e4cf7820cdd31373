/** Resolver discovery against the schema and manifest, and the bundles AppSync receives. */
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import appsync from '@aws-appsync/eslint-plugin';
import { buildSchema, isEnumType } from 'graphql';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FREQUENCIES, PLAN_STATUSES } from '#domain/plan.ts';
import {
  APPSYNC_CODE_LIMIT,
  APPSYNC_SCHEMA_PRELUDE,
  bundleResolvers,
  checkCodeBudget,
  loadResolverCatalog,
  RESOLVER_CODE_BUDGET,
  RESOLVERS_DIR,
  ResolverCatalogError,
  ResolverTooLargeError,
  type ResolverCode,
} from '#build/resolvers.ts';

const SETTINGS = {
  plansTable: 'catalog-test-plans',
  maxPlansPerUser: 25,
  currencies: { EUR: { digits: 2, minAmount: '1.00', maxAmount: '10000.00' } },
  smsCountries: ['DE', 'FR'],
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

/**
 * A copy of resolvers/ that also bundles: beside it, the package.json whose `imports` resolve
 * `#domain/*` and `#shared/*`, and links to the repository's domain/ and shared/.
 */
function bundleableFixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'resolvers-'));
  fixtures.push(root);
  const repository = join(RESOLVERS_DIR, '..');
  cpSync(RESOLVERS_DIR, join(root, 'resolvers'), { recursive: true });
  cpSync(join(repository, 'package.json'), join(root, 'package.json'));
  for (const dir of ['domain', 'shared']) symlinkSync(join(repository, dir), join(root, dir));
  return join(root, 'resolvers');
}

describe('loadResolverCatalog', () => {
  it('finds a resolver for every Query and Mutation field and every pipeline function', () => {
    const catalog = loadResolverCatalog();
    expect(catalog.resolvers.map((entry) => `${entry.typeName}.${entry.fieldName}`)).toEqual([
      'Mutation.createPlan',
      'Mutation.deletePlan',
      'Mutation.pausePlan',
      'Mutation.resendVerification',
      'Mutation.resumePlan',
      'Mutation.skipNextRun',
      'Mutation.updateNotificationPreferences',
      'Mutation.updatePlan',
      'Mutation.verifyContact',
      'Query.executions',
      'Query.holdings',
      'Query.notificationPreferences',
      'Query.notifications',
      'Query.plan',
      'Query.plans',
      'Query.previewSchedule',
    ]);
    expect(catalog.functions.map((entry) => entry.name)).toEqual([
      'checkOpenRuns',
      'checkPhoneCountry',
      'checkSchedule',
      'createPlanItem',
      'deletePlanItem',
      'issueContactCodes',
      'loadPlan',
      'loadPreferences',
      'nextRunAfterSkip',
      'resendContactCode',
      'savePreferencesItem',
      'skipNextRunItem',
      'updatePlanItem',
      'verifyContactCode',
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

describe('the schema and the code', () => {
  it('lists the same frequencies and plan statuses in the GraphQL enums as domain/plan.ts', () => {
    const schema = buildSchema(APPSYNC_SCHEMA_PRELUDE + loadResolverCatalog().schema);
    const values = (name: string) => {
      const type = schema.getType(name);
      return isEnumType(type) ? type.getValues().map((value) => value.name) : null;
    };
    expect({ Frequency: values('Frequency'), PlanStatus: values('PlanStatus') }).toEqual({
      Frequency: [...FREQUENCIES],
      PlanStatus: [...PLAN_STATUSES],
    });
  });
});

describe('bundleResolvers', () => {
  it("bundles every resolver and function within the project's 28 KiB budget", () => {
    expect([...code.keys()].sort()).toEqual([
      'Mutation.createPlan',
      'Mutation.deletePlan',
      'Mutation.pausePlan',
      'Mutation.resendVerification',
      'Mutation.resumePlan',
      'Mutation.skipNextRun',
      'Mutation.updateNotificationPreferences',
      'Mutation.updatePlan',
      'Mutation.verifyContact',
      'Query.executions',
      'Query.holdings',
      'Query.notificationPreferences',
      'Query.notifications',
      'Query.plan',
      'Query.plans',
      'Query.previewSchedule',
      'pipeline/checkOpenRuns',
      'pipeline/checkPhoneCountry',
      'pipeline/checkSchedule',
      'pipeline/createPlanItem',
      'pipeline/deletePlanItem',
      'pipeline/issueContactCodes',
      'pipeline/loadPlan',
      'pipeline/loadPreferences',
      'pipeline/nextRunAfterSkip',
      'pipeline/resendContactCode',
      'pipeline/savePreferencesItem',
      'pipeline/skipNextRunItem',
      'pipeline/updatePlanItem',
      'pipeline/verifyContactCode',
    ]);
    for (const text of code.values()) expect(text.length).toBeLessThanOrEqual(RESOLVER_CODE_BUDGET);
    expect(RESOLVER_CODE_BUDGET).toBe(28_672);
    expect(RESOLVER_CODE_BUDGET).toBeLessThan(APPSYNC_CODE_LIMIT);
  });

  it('bundles the time-zone list only into the steps that check a schedule', () => {
    expect(
      [...code].filter(([, text]) => text.includes('Addis_Ababa')).map(([name]) => name),
    ).toEqual(['Query.previewSchedule', 'pipeline/checkSchedule']);
  });

  it('bundles the table of phone countries only into the step that checks a new phone', () => {
    // Jamaica's area code: only the NANP table holds it.
    expect(
      [...code].filter(([, text]) => text.includes('"876":"JM"')).map(([name]) => name),
    ).toEqual(['pipeline/checkPhoneCountry']);
  });

  it('fails the build when a bundle is over the budget, naming the resolver and its size', async () => {
    const dir = bundleableFixture();
    // A resolver that grew: its exported constant is bundled whole.
    appendFileSync(join(dir, 'Query.plan.ts'), `\nexport const grown = '${'x'.repeat(20_000)}';\n`);
    const failure: unknown = await bundleResolvers(loadResolverCatalog(dir), SETTINGS).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ResolverTooLargeError);
    const { resolver, size, message } = failure as ResolverTooLargeError;
    expect({ resolver, message }).toEqual({
      resolver: 'Query.plan',
      message: `Query.plan: bundled code is ${size} characters, over this project's budget of 28672 (AppSync accepts at most 32768); move code it does not share into a pipeline function of its own (resolvers/pipeline/)`,
    });
    // Its own code plus the constant: over the budget, still under AppSync's limit.
    expect(size).toBeGreaterThan((code.get('Query.plan') ?? '').length + 20_000);
    expect(size).toBeLessThan(APPSYNC_CODE_LIMIT);
  });

  it('accepts a bundle of exactly the budget and refuses one character more', () => {
    expect(() => checkCodeBudget('Mutation.createPlan', 'x'.repeat(28_672))).not.toThrow();
    expect(() => checkCodeBudget('Mutation.createPlan', 'x'.repeat(28_673))).toThrow(
      new ResolverTooLargeError('Mutation.createPlan', 28_673),
    );
    expect(new ResolverTooLargeError('Mutation.createPlan', 28_673).message).toBe(
      "Mutation.createPlan: bundled code is 28673 characters, over this project's budget of 28672 (AppSync accepts at most 32768); move code it does not share into a pipeline function of its own (resolvers/pipeline/)",
    );
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
    expect(code.get('pipeline/createPlanItem')).toContain('"catalog-test-plans"');
    expect(code.get('pipeline/checkPhoneCountry')).toContain('smsCountries:["DE","FR"]');
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
