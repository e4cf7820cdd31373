/**
 * The offline compliance check of one stack: run the program under mocks with the stack's config,
 * evaluate the pack, write `compliance-<stack>.md` and `.json`. `scripts/compliance.ts` is its
 * command line; the tests call it in-process for dev, staging and prod.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policies } from '../pack.ts';
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

/**
 * The program's cloud resources as the analyzer sees them: components left out, and each
 * resource's explicit provider attached (a provider reference is `<provider URN>::<id>`).
 */
export function cloudResources(resources: readonly RecordedResource[]): EvaluatedResource[] {
  const providers = new Map(
    resources
      .filter((resource) => resource.type.startsWith('pulumi:providers:'))
      .map((provider) => [`${provider.type}::${provider.name}`, provider]),
  );
  return resources
    .filter((resource) => resource.custom)
    .map(({ providerReference, ...resource }): EvaluatedResource => {
      const [type = '', name = ''] = (providerReference ?? '').split('::').slice(-3, -1);
      const provider = providers.get(`${type.split('$').at(-1) ?? ''}::${name}`);
      return provider === undefined
        ? resource
        : {
            ...resource,
            provider: {
              type: provider.type,
              name: provider.name,
              urn: provider.urn,
              props: provider.inputs,
            },
          };
    });
}

/** Runs the program for `stack` under mocks and evaluates the pack on its cloud resources. */
export async function runCompliance(
  stack: string,
  options: ComplianceOptions = {},
): Promise<{ run: ProgramRun; report: ComplianceReport }> {
  const program = options.program ?? INFRA_PROGRAM;
  const run = await runProgram(stack, options.overrides, { program });
  const report = await buildReport({
    project: PROJECT,
    stack,
    program: relative(ROOT, program).split('\\').join('/'),
    policies: options.policies ?? policies,
    resources: cloudResources(run.resources),
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
