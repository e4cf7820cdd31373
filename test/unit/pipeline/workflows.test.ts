/**
 * The deploy pipeline's rules (issue 13) over `.github/workflows/`, checked here because GitHub
 * is not: each rule finds nothing in the real workflows and finds exactly the breakage in a
 * copy broken on purpose. `npm run lint:workflows` validates the same files against the schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Document } from 'yaml';
import {
  deployConcurrency,
  expandMatrix,
  leastPermissions,
  oidcOnly,
  parseWorkflow,
  pinnedActions,
  policyPackEverywhere,
  previewEveryStack,
  promotionOrder,
  readWorkflows,
  releaseAndSmokeFollowUp,
  type Job,
  type ParsedWorkflow,
  type Permissions,
  type WorkflowFile,
} from '../../support/pipeline.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FILES = readWorkflows(join(ROOT, '.github/workflows'));
const parse = (files: readonly WorkflowFile[]): ParsedWorkflow[] => files.map(parseWorkflow);
const WORKFLOWS = parse(FILES);

/** What each job may do, and nothing more. */
const READ: Permissions = { contents: 'read' };
const ALLOWED: Record<string, Record<string, Permissions>> = {
  'codeql.yml': {
    analyze: { contents: 'read', 'security-events': 'write', actions: 'read' },
  },
  'deploy.yml': {
    security: READ,
    dev: { contents: 'read', 'id-token': 'write' },
    staging: { contents: 'read', 'id-token': 'write' },
    prod: { contents: 'read', 'id-token': 'write' },
  },
  'pull-request.yml': {
    test: READ,
    soak: READ,
    compliance: READ,
    preview: { contents: 'read', 'id-token': 'write', 'pull-requests': 'write' },
    'dependency-review': READ,
    security: READ,
  },
  'release-override.yml': { release: { contents: 'read', 'id-token': 'write' } },
  'security.yml': { lockfile: READ, audit: READ, secrets: READ, sbom: READ },
};

/** The workflows with one file edited through its YAML document (comments and layout kept). */
function edited(file: string, edit: (document: Document) => void): ParsedWorkflow[] {
  return parse(
    FILES.map((original) => {
      if (original.name !== file) return original;
      const document = parseWorkflow(original).document;
      edit(document);
      return { name: original.name, text: String(document) };
    }),
  );
}

/** The workflow files with one exact piece of text replaced (it must occur). */
function replaced(file: string, from: string, to: string): WorkflowFile[] {
  return FILES.map((original) => {
    if (original.name !== file) return original;
    if (!original.text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
    return { name: original.name, text: original.text.replace(from, to) };
  });
}

function workflow(file: string): ParsedWorkflow['workflow'] {
  const found = WORKFLOWS.find((parsed) => parsed.file === file);
  if (found === undefined) throw new Error(`no ${file}`);
  return found.workflow;
}

function job(file: string, id: string): Job {
  const found = workflow(file).jobs[id];
  if (found === undefined) throw new Error(`no job ${id} in ${file}`);
  return found;
}

const runs = (of: Job): string[] => (of.steps ?? []).flatMap((step) => step.run ?? []);
const actions = (of: Job): string[] =>
  (of.steps ?? []).flatMap((step) =>
    step.uses === undefined ? [] : [step.uses.split('@')[0] ?? ''],
  );

describe('the workflows', () => {
  it('are the pull-request, deploy, CodeQL, release-override and security-gates workflows', () => {
    expect(FILES.map((file) => file.name)).toEqual([
      'codeql.yml',
      'deploy.yml',
      'pull-request.yml',
      'release-override.yml',
      'security.yml',
    ]);
  });

  it('release during an incident only by hand, in the stack\u2019s environment and deploy group, inputs through the environment', () => {
    const override = workflow('release-override.yml');
    expect(Object.keys(override.on as Record<string, unknown>)).toEqual(['workflow_dispatch']);
    const job = override.jobs.release as Job;
    expect(job.environment).toEqual('${{ inputs.stack }}');
    expect(job.concurrency).toEqual({
      group: 'deploy-${{ inputs.stack }}',
      'cancel-in-progress': false,
    });
    const scripts = (job.steps ?? []).flatMap((step) => (step.run === undefined ? [] : [step.run]));
    // An input pasted into a script is a script injection; the shell reads them from env.
    expect(scripts.filter((script) => script.includes('${{'))).toEqual([]);
    expect(scripts.at(-1)).toContain('npm run release -- --stack "$STACK" "${args[@]}"');
  });

  it('run on pull requests to main, on pushes to main and weekly, never on pull_request_target', () => {
    expect(workflow('pull-request.yml').on).toEqual({ pull_request: { branches: ['main'] } });
    expect(workflow('deploy.yml').on).toEqual({ push: { branches: ['main'] } });
    expect(workflow('codeql.yml').on).toEqual({
      pull_request: { branches: ['main'] },
      push: { branches: ['main'] },
      schedule: [{ cron: '17 5 * * 1' }],
    });
    expect(workflow('security.yml').on).toEqual({ workflow_call: null });
    expect(FILES.filter((file) => file.text.includes('pull_request_target'))).toEqual([]);
  });

  it('test every pull request: npm test, the soak tier and the compliance report of every stack', () => {
    expect(runs(job('pull-request.yml', 'test'))).toEqual(['npm ci', 'npm test']);
    expect(runs(job('pull-request.yml', 'soak'))).toEqual(['npm ci', 'npm run test:soak']);
    expect(runs(job('pull-request.yml', 'compliance'))).toEqual([
      'npm ci',
      'npm run compliance -- --all',
    ]);
    const upload = job('pull-request.yml', 'compliance').steps?.at(-1);
    expect(upload?.uses?.split('@')[0]).toEqual('actions/upload-artifact');
    expect(upload?.with).toEqual({
      name: 'compliance-${{ github.event.pull_request.head.sha }}',
      path: 'reports/compliance-*',
      'if-no-files-found': 'error',
    });
  });

  it('run the security gates on every build: lockfile, audit, secrets and the SBOM as an artifact', () => {
    expect(job('pull-request.yml', 'security').uses).toEqual('./.github/workflows/security.yml');
    expect(job('deploy.yml', 'security').uses).toEqual('./.github/workflows/security.yml');
    expect(job('deploy.yml', 'dev').needs).toEqual('security');
    expect(runs(job('security.yml', 'lockfile'))).toEqual([
      'npm ci --ignore-scripts',
      'npx lockfile-lint',
    ]);
    expect(runs(job('security.yml', 'audit'))).toEqual([
      'npm ci --ignore-scripts',
      'npx audit-ci --config audit-ci.json',
    ]);
    expect(runs(job('security.yml', 'sbom'))).toEqual([
      'npm sbom --sbom-format cyclonedx --sbom-type application --package-lock-only > sbom.cdx.json',
    ]);
    expect(job('security.yml', 'sbom').steps?.at(-1)?.with).toEqual({
      name: 'sbom-${{ github.sha }}',
      path: 'sbom.cdx.json',
      'if-no-files-found': 'error',
    });
    expect(actions(job('pull-request.yml', 'dependency-review'))).toEqual([
      'actions/dependency-review-action',
    ]);
  });

  it('scan the whole history with a gitleaks release whose checksum is verified before it runs', () => {
    const secrets = job('security.yml', 'secrets');
    expect(secrets.steps?.[0]?.with).toEqual({ 'persist-credentials': false, 'fetch-depth': 0 });
    const [install, scan] = runs(secrets);
    expect(workflow('security.yml').env?.GITLEAKS_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(install?.indexOf('sha256sum --check --strict')).toBeLessThan(
      install?.indexOf('tar -xzf') ?? -1,
    );
    expect(scan).toEqual(
      '"$RUNNER_TEMP/gitleaks" git --config .gitleaks.toml --redact --exit-code 1 --verbose .',
    );
  });

  it('analyse JavaScript and TypeScript with CodeQL and fail on high or critical results', () => {
    const analyze = job('codeql.yml', 'analyze');
    expect(analyze.steps?.[2]?.with).toEqual({
      languages: 'javascript-typescript',
      'build-mode': 'none',
      queries: 'security-extended',
    });
    expect(runs(analyze)).toEqual(['node scripts/sarif-gate.ts "$RUNNER_TEMP/codeql-sarif"']);
  });

  it('install the Pulumi CLI of the same release as @pulumi/pulumi', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const file of ['pull-request.yml', 'deploy.yml', 'release-override.yml']) {
      expect(workflow(file).env?.PULUMI_VERSION).toEqual(pkg.dependencies['@pulumi/pulumi']);
    }
    const installs = WORKFLOWS.flatMap(({ workflow: { jobs } }) =>
      Object.values(jobs).flatMap((each) => each.steps ?? []),
    )
      .filter((step) => step.uses?.startsWith('pulumi/actions@') === true)
      .map((step) => step.with?.['pulumi-version']);
    expect(installs).toEqual(Array(5).fill('${{ env.PULUMI_VERSION }}'));
  });

  it('deploy each stack with pulumi up, then release it, then smoke-test it', () => {
    for (const stack of ['dev', 'staging', 'prod']) {
      expect(runs(job('deploy.yml', stack))).toEqual([
        'npm ci',
        `pulumi up --yes --policy-pack policies --stack ${stack}`,
        `npm run release -- --stack ${stack}`,
        `npm run smoke -- --stack ${stack}`,
      ]);
    }
  });
});

describe('rule: prod is promoted from staging, staging from dev, each in its environment', () => {
  it('holds for the workflows', () => {
    expect(promotionOrder(WORKFLOWS)).toEqual([]);
  });

  it('catches prod deployed from another environment', () => {
    expect(
      promotionOrder(
        edited('deploy.yml', (doc) => doc.setIn(['jobs', 'prod', 'environment'], 'staging')),
      ),
    ).toEqual(['deploy.yml job prod must run in the environment prod, not staging']);
  });

  it('catches prod not waiting for staging, and staging not waiting for dev', () => {
    expect(
      promotionOrder(
        edited('deploy.yml', (doc) => {
          doc.setIn(['jobs', 'prod', 'needs'], 'dev');
          doc.setIn(['jobs', 'staging', 'needs'], 'security');
        }),
      ),
    ).toEqual(['deploy.yml job staging must need dev', 'deploy.yml job prod must need staging']);
  });
});

describe('rule: every pulumi preview and pulumi up runs the policy pack', () => {
  it('holds for the workflows', () => {
    expect(policyPackEverywhere(WORKFLOWS)).toEqual([]);
  });

  it('catches a pulumi up without --policy-pack', () => {
    expect(
      policyPackEverywhere(
        parse(
          replaced(
            'deploy.yml',
            'up --yes --policy-pack policies --stack prod',
            'up --yes --stack prod',
          ),
        ),
      ),
    ).toEqual(['deploy.yml job prod step 6: pulumi up must run with the policy pack policies']);
  });

  it('catches a pulumi/actions preview without policyPacks', () => {
    expect(
      policyPackEverywhere(
        edited('pull-request.yml', (doc) =>
          doc.deleteIn(['jobs', 'preview', 'steps', 4, 'with', 'policyPacks']),
        ),
      ),
    ).toEqual([
      'pull-request.yml job preview step 5: pulumi preview must run with the policy pack policies',
    ]);
  });

  it('catches a preview run by the CLI with another policy pack', () => {
    expect(
      policyPackEverywhere(
        edited('pull-request.yml', (doc) =>
          doc.setIn(
            ['jobs', 'test', 'steps', 3, 'run'],
            'pulumi preview --stack dev --policy-pack elsewhere',
          ),
        ),
      ),
    ).toEqual([
      'pull-request.yml job test step 4: pulumi preview must run with the policy pack policies',
    ]);
  });
});

describe('rule: no job has broader permissions than it needs', () => {
  it('holds for the workflows', () => {
    expect(leastPermissions(WORKFLOWS, ALLOWED)).toEqual([]);
  });

  it('catches an OIDC token given to a job that assumes no role', () => {
    expect(
      leastPermissions(
        edited('pull-request.yml', (doc) =>
          doc.setIn(['jobs', 'test', 'permissions', 'id-token'], 'write'),
        ),
        ALLOWED,
      ),
    ).toEqual([
      'pull-request.yml job test has permissions {"contents":"read","id-token":"write"}, allowed {"contents":"read"}',
      'pull-request.yml job test: id-token: write is for jobs that assume an AWS role, and only for them',
    ]);
  });

  it('catches pull-request or security-events write outside the preview and CodeQL', () => {
    expect(
      leastPermissions(
        edited('security.yml', (doc) => {
          doc.setIn(['jobs', 'sbom', 'permissions', 'pull-requests'], 'write');
          doc.setIn(['jobs', 'audit', 'permissions', 'security-events'], 'write');
        }),
        ALLOWED,
      ),
    ).toEqual([
      'security.yml job audit has permissions {"contents":"read","security-events":"write"}, allowed {"contents":"read"}',
      'security.yml job sbom has permissions {"contents":"read","pull-requests":"write"}, allowed {"contents":"read"}',
    ]);
  });

  it('catches write-all on a job and write permissions on a workflow', () => {
    expect(
      leastPermissions(
        edited('codeql.yml', (doc) => {
          doc.set('permissions', 'write-all');
          doc.setIn(['jobs', 'analyze', 'permissions'], 'write-all');
        }),
        ALLOWED,
      ),
    ).toEqual([
      "codeql.yml: the workflow's permissions must be {} or read-only",
      'codeql.yml job analyze has permissions "write-all", allowed {"actions":"read","contents":"read","security-events":"write"}',
      'codeql.yml job analyze: id-token: write is for jobs that assume an AWS role, and only for them',
    ]);
  });

  it('catches a deploy job that cannot get its OIDC token, and a job that states no permissions', () => {
    expect(
      leastPermissions(
        edited('deploy.yml', (doc) => {
          doc.deleteIn(['jobs', 'staging', 'permissions', 'id-token']);
          doc.deleteIn(['jobs', 'security', 'permissions']);
        }),
        ALLOWED,
      ),
    ).toEqual([
      'deploy.yml job security must state its permissions',
      'deploy.yml job staging has permissions {"contents":"read"}, allowed {"contents":"read","id-token":"write"}',
      'deploy.yml job staging: id-token: write is for jobs that assume an AWS role, and only for them',
    ]);
  });

  it('catches a job that is not in the allow-list', () => {
    expect(
      leastPermissions(
        edited('codeql.yml', (doc) => doc.setIn(['jobs', 'extra'], doc.getIn(['jobs', 'analyze']))),
        ALLOWED,
      ),
    ).toEqual(['codeql.yml job extra is not in the permissions allow-list']);
  });
});

describe('rule: every action from another repository is pinned to a commit SHA', () => {
  it('holds for the workflows', () => {
    expect(pinnedActions(WORKFLOWS)).toEqual([]);
  });

  it('catches an action used by tag', () => {
    expect(
      pinnedActions(
        parse(
          replaced(
            'codeql.yml',
            'github/codeql-action/init@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2',
            'github/codeql-action/init@v4 # v4.36.2',
          ),
        ),
      ),
    ).toEqual([
      'codeql.yml job analyze step 3: github/codeql-action/init@v4 must be pinned to a full 40-character commit SHA',
    ]);
  });

  it('catches a SHA that does not say its release', () => {
    expect(
      pinnedActions(
        parse(
          replaced(
            'security.yml',
            'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0',
            'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f',
          ),
        ),
      ),
    ).toEqual([
      'security.yml job sbom step 4: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f must say its release in a comment (# vX.Y.Z)',
    ]);
  });

  it('catches a container action by tag and a reusable workflow of another repository by branch', () => {
    expect(
      pinnedActions(
        edited('deploy.yml', (doc) => {
          doc.setIn(['jobs', 'security', 'uses'], 'someone/workflows/.github/workflows/x.yml@main');
          doc.setIn(['jobs', 'dev', 'steps', 2, 'uses'], 'docker://alpine:3');
        }),
      ),
    ).toEqual([
      'deploy.yml job security: someone/workflows/.github/workflows/x.yml@main must be pinned to a full 40-character commit SHA',
      'deploy.yml job dev step 3: docker://alpine:3 must be pinned by its sha256 digest',
    ]);
  });
});

describe('rule: deploys of one stack never overlap and are never cancelled', () => {
  it('holds for the workflows', () => {
    expect(deployConcurrency(WORKFLOWS)).toEqual([]);
  });

  it('catches a deploy that a newer one may cancel, and one sharing another group', () => {
    expect(
      deployConcurrency(
        edited('deploy.yml', (doc) => {
          doc.setIn(['jobs', 'prod', 'concurrency', 'cancel-in-progress'], true);
          doc.setIn(['jobs', 'staging', 'concurrency', 'group'], 'deploy');
        }),
      ),
    ).toEqual([
      'deploy.yml job staging must have the concurrency group deploy-staging with cancel-in-progress: false',
      'deploy.yml job prod must have the concurrency group deploy-prod with cancel-in-progress: false',
    ]);
  });

  it('catches a deploy without a concurrency group', () => {
    expect(
      deployConcurrency(
        edited('deploy.yml', (doc) => doc.deleteIn(['jobs', 'dev', 'concurrency'])),
      ),
    ).toEqual([
      'deploy.yml job dev must have the concurrency group deploy-dev with cancel-in-progress: false',
    ]);
  });
});

describe('rule: AWS only through OIDC, never with long-lived keys', () => {
  it('holds for the workflows', () => {
    expect(oidcOnly(WORKFLOWS, FILES)).toEqual([]);
  });

  it('catches a session longer than the role allows (2 h to deploy, as bootstrap/ sets it)', () => {
    const longer = replaced(
      'deploy.yml',
      '          role-duration-seconds: 7200\n',
      '          role-duration-seconds: 43200\n',
    );
    expect(oidcOnly(parse(longer), longer)).toEqual([
      'deploy.yml job dev asks for a 43200 s session; its role allows 900 to 7200',
    ]);
  });

  it('catches an access key given to configure-aws-credentials or set in the environment', () => {
    const withKeys = replaced(
      'deploy.yml',
      '          role-session-name: deploy-prod-${{ github.run_id }}\n',
      '          aws-access-key-id: ${{ secrets.KEY }}\n',
    );
    expect(oidcOnly(parse(withKeys), withKeys)).toEqual([
      'deploy.yml: no AWS access key may appear; assume a role through OIDC',
    ]);
    const inEnv = replaced(
      'pull-request.yml',
      '      CHROMIUM_PATH: /usr/bin/google-chrome\n',
      '      AWS_SECRET_ACCESS_KEY: ${{ secrets.SECRET }}\n',
    );
    expect(oidcOnly(parse(inEnv), inEnv)).toEqual([
      'pull-request.yml: no AWS access key may appear; assume a role through OIDC',
    ]);
  });

  it('catches a role that is not the environment’s, and a role assumed outside an environment', () => {
    const workflows = edited('deploy.yml', (doc) => {
      doc.setIn(
        ['jobs', 'dev', 'steps', 3, 'with', 'role-to-assume'],
        'arn:aws:iam::111122223333:role/admin',
      );
      doc.deleteIn(['jobs', 'staging', 'environment']);
    });
    expect(oidcOnly(workflows, FILES)).toEqual([
      'deploy.yml job dev must assume ${{ vars.AWS_ROLE_ARN }}',
      'deploy.yml job staging assumes a role outside a GitHub environment',
    ]);
  });
});

describe('rule: the release step and the smoke test follow every pulumi up', () => {
  it('holds for the workflows', () => {
    expect(releaseAndSmokeFollowUp(WORKFLOWS)).toEqual([]);
  });

  it('catches a smoke test run before the release', () => {
    const swapped = replaced(
      'deploy.yml',
      '      - run: npm run release -- --stack staging\n      - run: npm run smoke -- --stack staging\n',
      '      - run: npm run smoke -- --stack staging\n      - run: npm run release -- --stack staging\n',
    );
    expect(releaseAndSmokeFollowUp(parse(swapped))).toEqual([
      'deploy.yml job staging: pulumi up --stack staging must be followed by `npm run release -- --stack staging` then `npm run smoke -- --stack staging`',
    ]);
  });

  it('catches a deploy without its smoke test, and a release of another stack', () => {
    const broken = parse(
      replaced('deploy.yml', '      - run: npm run smoke -- --stack prod\n', '').map((file) =>
        file.name === 'deploy.yml'
          ? {
              ...file,
              text: file.text.replace('release -- --stack dev', 'release -- --stack prod'),
            }
          : file,
      ),
    );
    expect(releaseAndSmokeFollowUp(broken)).toEqual([
      'deploy.yml job dev: pulumi up --stack dev must be followed by `npm run release -- --stack dev` then `npm run smoke -- --stack dev`',
      'deploy.yml job prod: pulumi up --stack prod must be followed by `npm run release -- --stack prod` then `npm run smoke -- --stack prod`',
    ]);
  });
});

describe('rule: every stack is previewed on pull requests from its preview environment', () => {
  it('holds for the workflows', () => {
    expect(previewEveryStack(WORKFLOWS)).toEqual([]);
    expect(
      expandMatrix(job('pull-request.yml', 'preview')).map((run) => run.job.environment),
    ).toEqual(['dev-preview', 'staging-preview', 'prod-preview']);
  });

  it('catches a stack left out of the previews', () => {
    expect(
      previewEveryStack(
        edited('pull-request.yml', (doc) =>
          doc.setIn(['jobs', 'preview', 'strategy', 'matrix', 'stack'], ['dev', 'staging']),
        ),
      ),
    ).toEqual(['no workflow previews prod']);
  });

  it('catches a preview in the deploy environment, and one not commented on the pull request', () => {
    expect(
      previewEveryStack(
        edited('pull-request.yml', (doc) => {
          doc.setIn(['jobs', 'preview', 'environment'], '${{ matrix.stack }}');
          doc.setIn(['jobs', 'preview', 'steps', 4, 'with', 'comment-on-pr'], false);
        }),
      ),
    ).toEqual([
      'pull-request.yml job preview must preview dev in the environment dev-preview',
      'pull-request.yml job preview must comment the preview of dev on the pull request',
      'pull-request.yml job preview must preview staging in the environment staging-preview',
      'pull-request.yml job preview must comment the preview of staging on the pull request',
      'pull-request.yml job preview must preview prod in the environment prod-preview',
      'pull-request.yml job preview must comment the preview of prod on the pull request',
    ]);
  });
});
