/**
 * The deploy pipeline's rules (issue 13), checked where GitHub is not: each rule reads the
 * workflow files of `.github/workflows/` (parsed with `yaml`, comments kept) and returns its
 * violations, one sentence each, so a test can show both that the real workflows have none and
 * that a broken copy of them is caught.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';

/** The stacks, in promotion order. */
export const STACKS = ['dev', 'staging', 'prod'] as const;
export type Stack = (typeof STACKS)[number];

/** A workflow file as written: its name in `.github/workflows/` and its text. */
export interface WorkflowFile {
  readonly name: string;
  readonly text: string;
}

export type Permissions =
  'read-all' | 'write-all' | Readonly<Record<string, 'read' | 'write' | 'none'>>;

export interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, string | number | boolean>>;
  readonly if?: string;
}

export interface Job {
  readonly name?: string;
  readonly needs?: string | readonly string[];
  readonly environment?: string | { readonly name: string; readonly url?: string };
  readonly permissions?: Permissions;
  readonly concurrency?:
    string | { readonly group: string; readonly 'cancel-in-progress'?: boolean };
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly env?: Readonly<Record<string, string>>;
  readonly if?: string;
  /** A reusable workflow (`./.github/workflows/x.yml`) instead of steps. */
  readonly uses?: string;
  readonly steps?: readonly Step[];
}

export interface Workflow {
  readonly name?: string;
  readonly on: unknown;
  readonly permissions?: Permissions;
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

/** One workflow, parsed: the data and the document (which keeps comments, for the pins). */
export interface ParsedWorkflow {
  readonly file: string;
  readonly workflow: Workflow;
  readonly document: Document;
}

/** Every workflow in `directory` (`.yml` and `.yaml`), by file name. */
export function readWorkflows(directory: string): WorkflowFile[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(directory, name), 'utf8') }));
}

export function parseWorkflow(file: WorkflowFile): ParsedWorkflow {
  const document = parseDocument(file.text);
  if (document.errors.length > 0) {
    throw new Error(`${file.name}: ${document.errors.map((error) => error.message).join('; ')}`);
  }
  return { file: file.name, workflow: document.toJS() as Workflow, document };
}

/**
 * A job as each of its matrix entries runs it: `${{ matrix.<key> }}` replaced in every string,
 * for matrices of one list-valued key (the only kind the pipeline uses). A job without a matrix
 * runs once, as written.
 */
export function expandMatrix(
  job: Job,
): { readonly matrix: string | undefined; readonly job: Job }[] {
  const matrix = job.strategy?.matrix;
  if (matrix === undefined) return [{ matrix: undefined, job }];
  const keys = Object.keys(matrix);
  const values = matrix[keys[0] ?? ''];
  if (keys.length !== 1 || !Array.isArray(values)) {
    throw new Error(`only a matrix of one list is supported, got ${JSON.stringify(matrix)}`);
  }
  const key = keys[0] as string;
  const pattern = new RegExp(`\\$\\{\\{\\s*matrix\\.${key}\\s*\\}\\}`, 'g');
  return values.map((value) => ({
    matrix: String(value),
    job: JSON.parse(JSON.stringify(job), (_key, item: unknown) =>
      typeof item === 'string' ? item.replace(pattern, String(value)) : item,
    ) as Job,
  }));
}

function environmentName(job: Job): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}

function needsOf(job: Job): string[] {
  if (job.needs === undefined) return [];
  return typeof job.needs === 'string' ? [job.needs] : [...job.needs];
}

const PULUMI_ACTION = /^pulumi\/actions@/;
const AWS_CREDENTIALS_ACTION = /^aws-actions\/configure-aws-credentials@/;
/** A `pulumi preview` or `pulumi up` in a run step (`update` is `up`'s alias). */
const PULUMI_RUN = /\bpulumi\s+(preview|up|update)\b([^\n]*)/g;

/** A Pulumi preview or update a step runs, by CLI or by `pulumi/actions`. */
interface PulumiOperation {
  readonly command: 'preview' | 'up';
  readonly stack: string | undefined;
  readonly policyPack: string | undefined;
}

function pulumiOperations(step: Step): PulumiOperation[] {
  if (step.uses !== undefined && PULUMI_ACTION.test(step.uses)) {
    const command = step.with?.command;
    if (command !== 'preview' && command !== 'up' && command !== 'update') return [];
    const packs = step.with?.policyPacks;
    return [
      {
        command: command === 'preview' ? 'preview' : 'up',
        stack:
          step.with?.['stack-name'] === undefined ? undefined : String(step.with['stack-name']),
        policyPack: packs === undefined ? undefined : String(packs).trim(),
      },
    ];
  }
  return [...(step.run ?? '').matchAll(PULUMI_RUN)].map((match) => {
    const args = match[2] ?? '';
    return {
      command: match[1] === 'preview' ? 'preview' : 'up',
      stack: /(?:--stack|-s)[\s=]+(\S+)/.exec(args)?.[1],
      policyPack: /--policy-pack[\s=]+(\S+)/.exec(args)?.[1],
    };
  });
}

function assumesRole(job: Job): boolean {
  return (job.steps ?? []).some(
    (step) => step.uses !== undefined && AWS_CREDENTIALS_ACTION.test(step.uses),
  );
}

function eachJob(workflows: readonly ParsedWorkflow[]): [string, string, Job][] {
  return workflows.flatMap(({ file, workflow }) =>
    Object.entries(workflow.jobs).map(([id, job]): [string, string, Job] => [file, id, job]),
  );
}

/**
 * dev, then staging, then prod: each stack's deploy job (in `deploy.yml`, named after the stack)
 * runs in the GitHub environment of that name (prod's holds the required reviewers) and needs the
 * job of the stack before it.
 */
export function promotionOrder(workflows: readonly ParsedWorkflow[]): string[] {
  const deploy = workflows.find(({ file }) => file === 'deploy.yml');
  if (deploy === undefined) return ['deploy.yml is missing'];
  const problems: string[] = [];
  STACKS.forEach((stack, index) => {
    const job = deploy.workflow.jobs[stack];
    if (job === undefined) {
      problems.push(`deploy.yml has no job ${stack}`);
      return;
    }
    if (environmentName(job) !== stack) {
      problems.push(
        `deploy.yml job ${stack} must run in the environment ${stack}, not ${String(environmentName(job))}`,
      );
    }
    const before = STACKS[index - 1];
    if (before !== undefined && !needsOf(job).includes(before)) {
      problems.push(`deploy.yml job ${stack} must need ${before}`);
    }
  });
  return problems;
}

/** Every `pulumi preview` and `pulumi up`, in a run step or through `pulumi/actions`, runs the policy pack `policies`. */
export function policyPackEverywhere(workflows: readonly ParsedWorkflow[]): string[] {
  return eachJob(workflows).flatMap(([file, id, job]) =>
    (job.steps ?? []).flatMap((step, index) =>
      pulumiOperations(step)
        .filter((operation) => operation.policyPack !== 'policies')
        .map(
          (operation) =>
            `${file} job ${id} step ${index + 1}: pulumi ${operation.command} must run with the policy pack policies`,
        ),
    ),
  );
}

/**
 * Least privilege: the workflow's own permissions are empty or read-only, every job states its
 * permissions and they are exactly those `allowed` lists for it (a job missing from `allowed`
 * gets none), and only a job that assumes an AWS role may ask for an OIDC token.
 */
export function leastPermissions(
  workflows: readonly ParsedWorkflow[],
  allowed: Readonly<Record<string, Readonly<Record<string, Permissions>>>>,
): string[] {
  const problems: string[] = [];
  for (const { file, workflow } of workflows) {
    const top = workflow.permissions;
    const readOnly =
      top === 'read-all' ||
      (typeof top === 'object' && Object.values(top).every((level) => level !== 'write'));
    if (!readOnly) {
      problems.push(`${file}: the workflow's permissions must be {} or read-only`);
    }
  }
  for (const [file, id, job] of eachJob(workflows)) {
    const expected = allowed[file]?.[id];
    if (job.permissions === undefined) {
      problems.push(`${file} job ${id} must state its permissions`);
    } else if (expected === undefined) {
      problems.push(`${file} job ${id} is not in the permissions allow-list`);
    } else if (JSON.stringify(sorted(job.permissions)) !== JSON.stringify(sorted(expected))) {
      problems.push(
        `${file} job ${id} has permissions ${JSON.stringify(sorted(job.permissions))}, allowed ${JSON.stringify(sorted(expected))}`,
      );
    }
    const idToken = typeof job.permissions === 'object' && job.permissions['id-token'] === 'write';
    if (job.permissions === 'write-all' || idToken !== assumesRole(job)) {
      problems.push(
        `${file} job ${id}: id-token: write is for jobs that assume an AWS role, and only for them`,
      );
    }
  }
  return problems;
}

function sorted(permissions: Permissions): Permissions {
  return typeof permissions === 'string'
    ? permissions
    : Object.fromEntries(Object.entries(permissions).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Every action from another repository is pinned to a full commit SHA and says which release
 * that is (`# vX.Y.Z`); container actions are pinned by digest. Local actions and reusable
 * workflows (`./...`) are this repository's own code.
 */
export function pinnedActions(workflows: readonly ParsedWorkflow[]): string[] {
  const problems: string[] = [];
  for (const { file, document } of workflows) {
    const jobs = document.get('jobs', true);
    if (!isMap(jobs)) continue;
    for (const pair of jobs.items) {
      const id = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const paths: (string | number)[][] = [['jobs', id, 'uses']];
      const steps = document.getIn(['jobs', id, 'steps'], true);
      if (isSeq(steps))
        steps.items.forEach((_step, index) => paths.push(['jobs', id, 'steps', index, 'uses']));
      for (const path of paths) {
        const node = document.getIn(path, true);
        if (!isScalar(node)) continue;
        const uses = String(node.value);
        if (uses.startsWith('./')) continue;
        const where = `${file} job ${id}${path.length > 3 ? ` step ${Number(path[3]) + 1}` : ''}`;
        if (uses.startsWith('docker://')) {
          if (!/@sha256:[0-9a-f]{64}$/.test(uses)) {
            problems.push(`${where}: ${uses} must be pinned by its sha256 digest`);
          }
        } else if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(uses)) {
          problems.push(`${where}: ${uses} must be pinned to a full 40-character commit SHA`);
        } else if (!/^ v\d+\.\d+\.\d+$/.test(node.comment ?? '')) {
          problems.push(`${where}: ${uses} must say its release in a comment (# vX.Y.Z)`);
        }
      }
    }
  }
  return problems;
}

/**
 * Deploys of one stack never overlap and are never cancelled mid-way: every job that runs
 * `pulumi up` has the concurrency group `deploy-<stack>` without cancel-in-progress.
 */
export function deployConcurrency(workflows: readonly ParsedWorkflow[]): string[] {
  const problems: string[] = [];
  for (const [file, id, job] of eachJob(workflows)) {
    const ups = (job.steps ?? []).flatMap(pulumiOperations).filter((op) => op.command === 'up');
    for (const { stack } of ups) {
      const concurrency = job.concurrency;
      const group = typeof concurrency === 'string' ? concurrency : concurrency?.group;
      const cancels =
        typeof concurrency === 'object' ? concurrency['cancel-in-progress'] : undefined;
      if (group !== `deploy-${String(stack)}` || cancels !== false) {
        problems.push(
          `${file} job ${id} must have the concurrency group deploy-${String(stack)} with cancel-in-progress: false`,
        );
      }
    }
  }
  return problems;
}

/**
 * AWS access only through OIDC: no access key anywhere in a workflow, and every
 * `configure-aws-credentials` assumes the environment's role (`vars.AWS_ROLE_ARN`) from a job
 * that runs in a GitHub environment (the role trusts that environment only).
 */
export function oidcOnly(
  workflows: readonly ParsedWorkflow[],
  files: readonly WorkflowFile[],
): string[] {
  const problems: string[] = [];
  for (const { name, text } of files) {
    if (
      /aws-access-key-id|aws-secret-access-key|aws_access_key_id|aws_secret_access_key/i.test(text)
    ) {
      problems.push(`${name}: no AWS access key may appear; assume a role through OIDC`);
    }
  }
  for (const [file, id, job] of eachJob(workflows)) {
    for (const step of job.steps ?? []) {
      if (step.uses === undefined || !AWS_CREDENTIALS_ACTION.test(step.uses)) continue;
      if (step.with?.['role-to-assume'] !== '${{ vars.AWS_ROLE_ARN }}') {
        problems.push(`${file} job ${id} must assume \${{ vars.AWS_ROLE_ARN }}`);
      }
      const environment = environmentName(job);
      if (environment === undefined) {
        problems.push(`${file} job ${id} assumes a role outside a GitHub environment`);
      }
      // The roles' maximum sessions (bootstrap/index.ts): asking for more fails at run time.
      const limit = environment?.endsWith('-preview') ? 3600 : 7200;
      const duration = Number(step.with?.['role-duration-seconds'] ?? 3600);
      if (!Number.isInteger(duration) || duration < 900 || duration > limit) {
        problems.push(
          `${file} job ${id} asks for a ${String(step.with?.['role-duration-seconds'])} s session; its role allows 900 to ${limit}`,
        );
      }
    }
  }
  return problems;
}

/**
 * After each `pulumi up --stack <stack>`, the next two steps are the release step and the smoke
 * test of the same stack (`npm run release -- --stack <stack>`, `npm run smoke -- --stack
 * <stack>`), so nothing is promoted that was not released and tested.
 */
export function releaseAndSmokeFollowUp(workflows: readonly ParsedWorkflow[]): string[] {
  const problems: string[] = [];
  for (const [file, id, job] of eachJob(workflows)) {
    const steps = job.steps ?? [];
    steps.forEach((step, index) => {
      for (const { command, stack } of pulumiOperations(step)) {
        if (command !== 'up') continue;
        const next = [steps[index + 1]?.run?.trim(), steps[index + 2]?.run?.trim()];
        const expected = [
          `npm run release -- --stack ${String(stack)}`,
          `npm run smoke -- --stack ${String(stack)}`,
        ];
        if (next[0] !== expected[0] || next[1] !== expected[1]) {
          problems.push(
            `${file} job ${id}: pulumi up --stack ${String(stack)} must be followed by \`${expected[0]}\` then \`${expected[1]}\``,
          );
        }
      }
    });
  }
  return problems;
}

/**
 * Every stack is previewed on pull requests, with the policy pack and the result commented on the
 * pull request, from its `<stack>-preview` environment.
 */
export function previewEveryStack(workflows: readonly ParsedWorkflow[]): string[] {
  const previewed = new Map<string, string[]>();
  for (const [file, id, job] of eachJob(workflows)) {
    for (const { job: run } of expandMatrix(job)) {
      for (const step of run.steps ?? []) {
        for (const { command, stack } of pulumiOperations(step)) {
          if (command !== 'preview') continue;
          const problems: string[] = [];
          if (environmentName(run) !== `${String(stack)}-preview`) {
            problems.push(
              `${file} job ${id} must preview ${String(stack)} in the environment ${String(stack)}-preview`,
            );
          }
          if (step.with?.['comment-on-pr'] !== true) {
            problems.push(
              `${file} job ${id} must comment the preview of ${String(stack)} on the pull request`,
            );
          }
          previewed.set(String(stack), problems);
        }
      }
    }
  }
  return STACKS.flatMap((stack) => previewed.get(stack) ?? [`no workflow previews ${stack}`]);
}

/** `audit-ci.json`, the dependency audit's settings and its reviewed allow-list. */
export interface AuditConfig {
  readonly moderate?: boolean;
  readonly 'skip-dev'?: boolean;
  readonly allowlist: readonly unknown[];
}

/** The longest an allow-list entry may stand before it is reviewed again. */
export const AUDIT_REVIEW_DAYS = 90;

/**
 * The audit gate fails on moderate advisories and above, dev tools included (they run in the
 * build and the deploy), and every allow-list entry is a reviewed record: one GitHub advisory
 * (optionally with its dependency path), active, with a reason (`notes`) and an `expiry` at most
 * {@link AUDIT_REVIEW_DAYS} days after `today`, so an exception is looked at again.
 */
export function auditAllowlistProblems(config: AuditConfig, today: Date): string[] {
  const problems: string[] = [];
  if (config.moderate !== true)
    problems.push('audit-ci.json must fail on moderate advisories and above');
  if (config['skip-dev'] !== false) problems.push('audit-ci.json must audit devDependencies too');
  config.allowlist.forEach((entry, index) => {
    const where = `audit-ci.json allowlist[${index}]`;
    if (typeof entry !== 'object' || entry === null || Object.keys(entry).length !== 1) {
      problems.push(`${where} must be one record { "<GHSA id>": { active, notes, expiry } }`);
      return;
    }
    const [id, record] = Object.entries(entry)[0] as [string, Record<string, unknown>];
    if (!/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}(\|.+)?$/.test(id)) {
      problems.push(`${where} must name a GitHub advisory (GHSA-xxxx-xxxx-xxxx), not ${id}`);
    }
    if (record.active !== true) problems.push(`${where} (${id}) must be active: remove it instead`);
    if (typeof record.notes !== 'string' || record.notes.trim().length < 20) {
      problems.push(
        `${where} (${id}) must say why in notes (why it does not affect us, who reviewed it)`,
      );
    }
    const expiry = typeof record.expiry === 'string' ? Date.parse(record.expiry) : Number.NaN;
    const latest = today.getTime() + AUDIT_REVIEW_DAYS * 24 * 60 * 60 * 1000;
    if (!Number.isFinite(expiry) || expiry > latest) {
      problems.push(
        `${where} (${id}) must expire within ${AUDIT_REVIEW_DAYS} days (expiry: YYYY-MM-DD)`,
      );
    }
  });
  return problems;
}

/** `package-lock.json` v3, the part the lockfile rule reads. */
export interface Lockfile {
  readonly lockfileVersion: number;
  readonly packages: Readonly<
    Record<
      string,
      { readonly integrity?: string; readonly resolved?: string; readonly link?: boolean }
    >
  >;
}

/**
 * Only the npm registry, over https, with integrity hashes: every installed package has a sha512
 * integrity, and any `resolved` URL is on https://registry.npmjs.org/. lockfile-lint skips
 * entries without `resolved` or `integrity`, and this project's lockfile omits `resolved`
 * (npm's `omit-lockfile-registry-resolved`: `.npmrc` names the registry instead), so this is
 * what makes a missing hash fail.
 */
export function lockfileProblems(lockfile: Lockfile): string[] {
  const problems: string[] = [];
  if (lockfile.lockfileVersion !== 3) problems.push('package-lock.json must be lockfileVersion 3');
  for (const [path, entry] of Object.entries(lockfile.packages)) {
    if (path === '' || entry.link === true) continue;
    if (entry.integrity === undefined || !/^sha512-[A-Za-z0-9+/]{86}==$/.test(entry.integrity)) {
      problems.push(`${path} has no sha512 integrity`);
    }
    if (entry.resolved !== undefined && !entry.resolved.startsWith('https://registry.npmjs.org/')) {
      problems.push(`${path} resolves outside https://registry.npmjs.org/: ${entry.resolved}`);
    }
  }
  return problems;
}
