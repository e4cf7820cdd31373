/**
 * The offline compliance check of one stack: run the program under mocks with the stack's config,
 * evaluate the pack, write `compliance-<stack>.md` and `.json`. `scripts/compliance.ts` is its
 * command line; the tests call it in-process for dev, staging and prod.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policies } from '../pack.ts';
import { assertPackConfig } from '../lib/config.ts';
import type { PackPolicy } from '../lib/policy.ts';
import type { EvaluatedResource, PackConfig } from './evaluate.ts';
import {
  INFRA_PROGRAM,
  PROJECT,
  runProgram,
  type ProgramRun,
  type RecordedResource,
} from './program.ts';
import { buildReport, renderJson, renderMarkdown, type ComplianceReport } from './report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ComplianceOptions {
  /** The program's entry module (default: `infra/index.ts`). */
  readonly program?: string;
  /** Stack config values that replace the stack file's (keys without the namespace). */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Policy configuration, as with `--policy-pack-config`. */
  readonly packConfig?: PackConfig;
  /** The policies (default: the whole pack). */
  readonly policies?: readonly PackPolicy[];
}

const require = createRequire(import.meta.url);

/** The installed `@pulumi/aws`'s version: the engine names the default provider after it. */
const AWS_VERSION = (
  JSON.parse(readFileSync(require.resolve('@pulumi/aws/package.json'), 'utf8')) as {
    version: string;
  }
).version;

/**
 * The default AWS provider as the engine creates it for a stack: named
 * `default_<version with underscores>`, its inputs the stack's `aws:*` config keys without the
 * namespace (a list or map JSON-encoded, as every provider input reaches a policy). Pulumi's mocks
 * never register it (the engine does, not the SDK), so the report adds it: stack policies see it
 * among the stack's resources and every AWS resource without an explicit provider names it, as
 * under `pulumi preview`.
 */
export function defaultAwsProvider(
  stack: string,
  config: Readonly<Record<string, string>>,
): EvaluatedResource {
  const name = `default_${AWS_VERSION.replace(/[.-]/g, '_')}`;
  const inputs: Record<string, unknown> = { version: AWS_VERSION };
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith('aws:')) inputs[key.slice('aws:'.length)] = value;
  }
  return {
    type: 'pulumi:providers:aws',
    name,
    urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:aws::${name}`,
    inputs,
    state: inputs,
  };
}

/**
 * The program's cloud resources as the analyzer sees them: components left out, each resource's
 * explicit provider attached (a provider reference is `<provider URN>::<id>`), and the default
 * AWS provider made from the stack's config (see {@link defaultAwsProvider}) attached to every
 * AWS resource without an explicit one.
 */
export function cloudResources(
  run: Pick<ProgramRun, 'stack' | 'config' | 'resources'>,
): EvaluatedResource[] {
  const { resources } = run;
  const providers = new Map(
    resources
      .filter((resource) => resource.type.startsWith('pulumi:providers:'))
      .map((provider) => [`${provider.type}::${provider.name}`, provider]),
  );
  const usesAws = resources.some(
    (resource) =>
      resource.custom &&
      resource.type.startsWith('aws:') &&
      resource.providerReference === undefined,
  );
  const fallback = usesAws ? defaultAwsProvider(run.stack, run.config) : undefined;
  const asProvider = (provider: EvaluatedResource | RecordedResource) => ({
    type: provider.type,
    name: provider.name,
    urn: provider.urn,
    props: provider.inputs,
  });
  const registered = resources
    .filter((resource) => resource.custom)
    .map(({ providerReference, ...resource }): EvaluatedResource => {
      const [type = '', name = ''] = (providerReference ?? '').split('::').slice(-3, -1);
      const provider = providers.get(`${type.split('$').at(-1) ?? ''}::${name}`);
      if (provider !== undefined) return { ...resource, provider: asProvider(provider) };
      if (fallback !== undefined && resource.type.startsWith('aws:')) {
        return { ...resource, provider: asProvider(fallback) };
      }
      return resource;
    });
  return fallback === undefined ? registered : [fallback, ...registered];
}

/** Runs the program for `stack` under mocks and evaluates the pack on its cloud resources. */
export async function runCompliance(
  stack: string,
  options: ComplianceOptions = {},
): Promise<{ run: ProgramRun; report: ComplianceReport }> {
  const program = options.program ?? INFRA_PROGRAM;
  // Refused before the program runs: a bad configuration is the operator's to fix first.
  assertPackConfig(options.policies ?? policies, options.packConfig ?? {});
  const run = await runProgram(stack, options.overrides, { program });
  const report = await buildReport({
    project: PROJECT,
    stack,
    program: relative(ROOT, program).split('\\').join('/'),
    policies: options.policies ?? policies,
    resources: cloudResources(run),
    ...(options.packConfig === undefined ? {} : { packConfig: options.packConfig }),
  });
  return { run, report };
}

/** Writes `compliance-<stack>.md` and `.json` into `directory`; returns their paths. */
export async function writeReport(
  report: ComplianceReport,
  directory: string,
): Promise<{ markdown: string; json: string }> {
  await mkdir(directory, { recursive: true });
  const markdown = join(directory, `compliance-${report.stack}.md`);
  const json = join(directory, `compliance-${report.stack}.json`);
  await writeFile(markdown, renderMarkdown(report));
  await writeFile(json, renderJson(report));
  return { markdown, json };
}
