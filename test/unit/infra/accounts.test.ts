/**
 * Every stack is pinned to its AWS account(s): each `Pulumi.<stack>.yaml` sets
 * `aws:allowedAccountIds` (placeholders to replace), the program refuses a stack without it, and
 * every explicit `new aws.Provider(...)` in `infra/` carries it (the stack config reaches only the
 * default provider). The policy pack checks the same on the deployed stack
 * (`aws-index-provider-configure-allowed-account-ids`). The monitoring section of each stack file
 * is checked here too: dev quieter than prod, never blind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigurationError } from '#shared/api-settings.ts';
import { DEFAULT_TUNING } from '#shared/monitoring/settings.ts';
import { parseStackConfig, readStackConfigValues } from '#shared/stack-config.ts';
import { parseAllowedAccountIds } from '../../../infra/config.ts';
import { runProgram } from './program.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const STACKS = ['dev', 'staging', 'prod'] as const;
const HOW_TO_SET =
  "set it with `pulumi config set --path 'aws:allowedAccountIds[0]' 123456789012` (your account's id), or as a list of quoted ids in Pulumi.<stack>.yaml";

function stackFile(stack: string): { config: Record<string, unknown> } {
  return parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as {
    config: Record<string, unknown>;
  };
}

describe('aws:allowedAccountIds in the stack files', () => {
  it('pins each stack to its own placeholder account, quoted', () => {
    expect(
      Object.fromEntries(
        STACKS.map((stack) => [stack, stackFile(stack).config['aws:allowedAccountIds']]),
      ),
    ).toEqual({ dev: ['111122223333'], staging: ['444455556666'], prod: ['777788889999'] });
  });

  it('says in each file that the id is a placeholder and how to set yours', () => {
    for (const stack of STACKS) {
      const text = readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), 'utf8');
      expect(text, stack).toContain('is a PLACEHOLDER');
      expect(text, stack).toContain("pulumi config set --path 'aws:allowedAccountIds[0]' <id>");
    }
  });
});

describe('parseAllowedAccountIds', () => {
  const missing = new ConfigurationError(
    `aws:allowedAccountIds must pin the AWS account(s) stack prod deploys to, so that credentials for another account cannot create or change it: ${HOW_TO_SET}`,
  );

  it('takes a list of quoted 12-digit ids', () => {
    expect(parseAllowedAccountIds('["012345678901","777788889999"]', 'prod')).toEqual([
      '012345678901',
      '777788889999',
    ]);
  });

  it('takes a 12-digit number, as `pulumi config set --path` writes it', () => {
    expect(parseAllowedAccountIds('[777788889999]', 'prod')).toEqual(['777788889999']);
  });

  it.each([
    ['an unset key', undefined],
    ['an empty value', ''],
    ['an empty list', '[]'],
    ['an object', '{"prod":"777788889999"}'],
  ])('refuses %s, naming the key and how to set it', (_case, raw) => {
    expect(() => parseAllowedAccountIds(raw, 'prod')).toThrow(missing);
  });

  it('refuses a number that lost its leading zero', () => {
    expect(() => parseAllowedAccountIds('[12345678901]', 'prod')).toThrow(
      new ConfigurationError(
        `aws:allowedAccountIds: 12345678901 is not a 12-digit AWS account id (quote an id that starts with 0): ${HOW_TO_SET}`,
      ),
    );
  });

  it('refuses a value that is not a list', () => {
    expect(() => parseAllowedAccountIds('777788889999x', 'prod')).toThrow(
      new ConfigurationError(
        `aws:allowedAccountIds must be a list of account ids, not "777788889999x": ${HOW_TO_SET}`,
      ),
    );
  });
});

describe('the program', () => {
  it('refuses a stack that does not pin its accounts', async () => {
    await expect(runProgram('staging', { 'aws:allowedAccountIds': null })).rejects.toThrow(
      `aws:allowedAccountIds must pin the AWS account(s) stack staging deploys to, so that credentials for another account cannot create or change it: ${HOW_TO_SET}`,
    );
  });
});

/** The `new aws.Provider(...)` calls of a source text, each with its argument text. */
function explicitProviders(source: string): string[] {
  const calls: string[] = [];
  const start = /new\s+aws\.Provider\s*\(/g;
  for (let match = start.exec(source); match !== null; match = start.exec(source)) {
    let depth = 1;
    let index = match.index + match[0].length;
    while (index < source.length && depth > 0) {
      if (source[index] === '(') depth += 1;
      if (source[index] === ')') depth -= 1;
      index += 1;
    }
    calls.push(source.slice(match.index, index));
  }
  return calls;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(directory, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(directory, entry.name)]
        : [],
  );
}

describe('explicit providers in infra/', () => {
  it('finds a provider call and whether it passes allowedAccountIds', () => {
    expect(
      explicitProviders(
        "const a = new aws.Provider('east', { region: 'us-east-1', allowedAccountIds: ids(config) });\nconst b = new aws.Provider(`west`, { region: 'us-west-2' });",
      ),
    ).toEqual([
      "new aws.Provider('east', { region: 'us-east-1', allowedAccountIds: ids(config) })",
      "new aws.Provider(`west`, { region: 'us-west-2' })",
    ]);
  });

  it('each pass allowedAccountIds (the stack config reaches only the default provider)', () => {
    const unpinned = sourceFiles(join(ROOT, 'infra')).flatMap((file) =>
      explicitProviders(readFileSync(file, 'utf8'))
        .filter((call) => !call.includes('allowedAccountIds'))
        .map((call) => `${file.slice(ROOT.length)}: ${call}`),
    );
    expect(unpinned).toEqual([]);
  });
});

describe('the monitoring section of the stack files', () => {
  const monitoring = Object.fromEntries(
    STACKS.map((stack) => [
      stack,
      parseStackConfig(readStackConfigValues(join(ROOT, `Pulumi.${stack}.yaml`))).monitoring,
    ]),
  );

  it('alerts placeholder addresses on every stack and pages (https) on prod only', () => {
    expect(Object.fromEntries(STACKS.map((stack) => [stack, monitoring[stack]?.alerts]))).toEqual({
      dev: { emails: ['platform-alerts-dev@savings-plan-buy.example'], pagerUrl: null },
      staging: { emails: ['platform-alerts-staging@savings-plan-buy.example'], pagerUrl: null },
      prod: {
        emails: [
          'platform-alerts@savings-plan-buy.example',
          'platform-oncall@savings-plan-buy.example',
        ],
        pagerUrl: 'https://pager.savings-plan-buy.example/integrations/sns/prod',
      },
    });
  });

  it('tunes staging and prod as AWS recommends (the defaults)', () => {
    expect(monitoring.staging?.tuning).toEqual(DEFAULT_TUNING);
    expect(monitoring.prod?.tuning).toEqual(DEFAULT_TUNING);
  });

  it('makes dev quieter on function errors and queue age only, never blind', () => {
    expect(monitoring.dev?.tuning).toEqual({
      ...DEFAULT_TUNING,
      lambdaErrors: {
        threshold: 0,
        periodSeconds: 60,
        evaluationPeriods: 15,
        datapointsToAlarm: 5,
      },
      queueAge: { threshold: 3, periodSeconds: 60, evaluationPeriods: 30, datapointsToAlarm: 30 },
    });
  });
});
