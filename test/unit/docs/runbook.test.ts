/**
 * `docs/runbook.md` against the alarm catalog of every stack: each alarm's description links a
 * section of the runbook (its `runbook` anchor), so each anchor must be a heading there, with what
 * an on-call engineer needs in it, and no section may outlive the alarms it was written for.
 * Reads the stacks' config files and the catalog only: no Pulumi.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  alarmCatalog,
  BURN_RATE_WINDOWS,
  type AlarmDefinition,
  type AlarmSubject,
  type CompositeAlarmDefinition,
} from '#shared/monitoring/alarms.ts';
import { DEFAULT_TUNING, parseMonitoringSettings } from '#shared/monitoring/settings.ts';
import { functionSpecs } from '#shared/functions.ts';
import { parseStackConfig, PROJECT, readStackConfigValues } from '#shared/stack-config.ts';
import { topology } from '#shared/topology.ts';
import {
  codeSpans,
  githubSlug,
  headings,
  links,
  sections,
  tableRows,
  type Section,
} from '../../support/markdown.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const RUNBOOK = join(ROOT, 'docs/runbook.md');
const runbook = readFileSync(RUNBOOK, 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

const STACKS = ['dev', 'staging', 'prod'] as const;

/** The `##` sections that are about the whole system rather than an alarm. */
const GENERAL_SECTIONS = [
  'Before you start',
  'Stopping purchases',
  'Releasing a fix during an incident',
  'Alert routing',
  'Index of alarms',
];

/** The parts every alarm section has, as bold lead-ins of its paragraphs, in this order. */
const PARTS = ["Customers' money.", 'First checks.', 'Fix.', 'Redrive.'];

/** A stack's alarms, as its `Pulumi.<stack>.yaml` configures them (names do not need a Region). */
function catalogOf(stack: (typeof STACKS)[number]): readonly AlarmDefinition[] {
  const config = parseStackConfig(readStackConfigValues(join(ROOT, `Pulumi.${stack}.yaml`)));
  const names = topology({
    prefix: `${PROJECT}-${stack}`,
    region: 'eu-central-1',
    accountId: '111111111111',
  });
  // Every stack as if it sent SMS: the runbook covers the alarm wherever SMS is turned on.
  return alarmCatalog(names, config.monitoring, {
    paper: config.exchange === 'paper',
    sms: config.notifications.sms,
  });
}

const catalogs = STACKS.map((stack) => ({ stack, alarms: catalogOf(stack) }));
const everyAlarm = catalogs.flatMap(({ stack, alarms }) =>
  alarms.map((alarm) => ({ stack, alarm })),
);
const anchors = [...new Set(everyAlarm.map(({ alarm }) => alarm.runbook))].sort();
const topSections = sections(runbook, 2);

function section(anchor: string): Section {
  const found = topSections.find((candidate) => candidate.slug === anchor);
  if (found === undefined) throw new Error(`docs/runbook.md has no section #${anchor}`);
  return found;
}

function composite(alarms: readonly AlarmDefinition[], key: string): CompositeAlarmDefinition {
  const found = alarms.find((alarm) => alarm.key === key);
  if (found?.kind !== 'composite') throw new Error(`no composite alarm ${key}`);
  return found;
}

/** The key a section must name for what the alarm watches (a queue, function, table or rule). */
function subjectKey(subject: AlarmSubject): string | null {
  switch (subject.kind) {
    case 'queue':
      return subject.queue;
    case 'function':
      return subject.function;
    case 'table':
      return subject.table;
    case 'rule':
      return subject.rule;
    default:
      return null;
  }
}

/** The alarm names an index pattern stands for: `<prefix>` is the stack's, `<...>` any name. */
function patternOf(cell: string, stack: string): RegExp {
  const pattern = /^`(<prefix>-[^`]+)`$/.exec(cell)?.[1];
  if (pattern === undefined) throw new Error(`not an alarm name pattern: ${cell}`);
  const source = pattern
    .split(/(<[^>]+>)/)
    .map((part) =>
      part === '<prefix>'
        ? `${PROJECT}-${stack}`
        : part.startsWith('<')
          ? '[a-z0-9-]+'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}

describe('docs/runbook.md', () => {
  it('has a ## section for every runbook anchor of the alarms of dev, staging and prod', () => {
    const level2 = headings(runbook)
      .filter((heading) => heading.level === 2)
      .map((heading) => heading.slug);
    expect(anchors.filter((anchor) => !level2.includes(anchor))).toEqual([]);
  });

  it('has no section besides the general ones that no alarm links to', () => {
    expect(
      topSections.filter((candidate) => !anchors.includes(candidate.slug)).map((s) => s.text),
    ).toEqual(GENERAL_SECTIONS);
  });

  it("gives every alarm section its customers' money, first checks, fix and redrive, in that order", () => {
    const problems = anchors.flatMap((anchor) => {
      const { body } = section(anchor);
      const positions = PARTS.map((part) => {
        const lead = new RegExp(`^\\*\\*${part.replace('.', '\\.')}\\*\\*\\s*\\S`, 'gm');
        const found = [...body.matchAll(lead)];
        return { part, count: found.length, at: found[0]?.index ?? -1 };
      });
      return [
        ...positions
          .filter(({ count }) => count !== 1)
          .map(({ part, count }) => `#${anchor}: "${part}" ${count} times, not once`),
        ...positions
          .slice(1)
          .filter(({ at }, index) => at < (positions[index]?.at ?? -1))
          .map(({ part }) => `#${anchor}: "${part}" out of order`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('names, in each section, every queue, function, table and rule its alarms watch', () => {
    const missing = everyAlarm.flatMap(({ stack, alarm }) => {
      if (alarm.kind !== 'metric') return [];
      const key = subjectKey(alarm.subject);
      if (key === null || codeSpans(section(alarm.runbook).body).includes(key)) return [];
      return [`${stack} ${alarm.name}: \`${key}\` is not named in #${alarm.runbook}`];
    });
    expect([...new Set(missing)]).toEqual([]);
  });

  it('lists exactly the alarms behind purchases-at-risk', () => {
    const listed = tableRows(section('purchases-at-risk').body)
      .map((cells) => /^`([a-z0-9-]+)`$/.exec(cells[0] ?? '')?.[1])
      .filter((key): key is string => key !== undefined);
    for (const { alarms } of catalogs) {
      expect([...listed].sort()).toEqual(
        [...composite(alarms, 'purchases-at-risk').rule.of].sort(),
      );
    }
  });

  it('lists each burn-rate composite with its two window alarms and its burn rate', () => {
    const rows = tableRows(section('slo-burn').body).filter((cells) =>
      /^`slo-burn-[a-z]+`$/.test(cells[0] ?? ''),
    );
    const documented = rows.map((cells) => ({
      key: (cells[0] ?? '').replaceAll('`', ''),
      windows: codeSpans(cells[1] ?? '').sort(),
      burnRate: Number(cells[2]),
    }));
    for (const { alarms } of catalogs) {
      expect(documented).toEqual(
        BURN_RATE_WINDOWS.map((window) => ({
          key: `slo-burn-${window.key}`,
          windows: [...composite(alarms, `slo-burn-${window.key}`).rule.of].sort(),
          burnRate: window.burnRate,
        })),
      );
    }
  });

  it("gives every function's reserved concurrency as shared/functions.ts declares it", () => {
    const documented = tableRows(section('lambda-throttles').body).map(([name, reserved]) => [
      (name ?? '').replaceAll('`', ''),
      Number(reserved),
    ]);
    expect(documented).toEqual(
      Object.entries(functionSpecs).map(([name, spec]) => [name, spec.reservedConcurrency]),
    );
  });

  it("gives every function's timeout and the default p90 its duration alarm fires above", () => {
    const documented = tableRows(section('lambda-duration').body).map(([name, timeout, above]) => [
      (name ?? '').replaceAll('`', ''),
      timeout,
      above,
    ]);
    expect(documented).toEqual(
      Object.entries(functionSpecs).map(([name, spec]) => [
        name,
        `${spec.timeoutSeconds} s`,
        `${(spec.timeoutSeconds * DEFAULT_TUNING.lambdaDuration.threshold) / 100} s`,
      ]),
    );
  });

  it('indexes every alarm name under the section its alarm links to, with its severity', () => {
    const rows = tableRows(section('index-of-alarms').body).map(([name, severity, link]) => ({
      name: name ?? '',
      severity: severity ?? '',
      anchor: /^\[[^\]]+\]\(#([a-z0-9-]+)\)$/.exec(link ?? '')?.[1],
    }));
    const problems = everyAlarm.flatMap(({ stack, alarm }) => {
      const matching = rows.filter((row) => patternOf(row.name, stack).test(alarm.name));
      if (matching.length === 0) return [`${alarm.name} is not in the index`];
      return matching.flatMap((row) => [
        ...(row.anchor === alarm.runbook
          ? []
          : [`${alarm.name}: ${row.name} links #${row.anchor}`]),
        ...(['critical', 'warning'].includes(row.severity) && row.severity !== alarm.severity
          ? [`${alarm.name} is ${alarm.severity}, ${row.name} says ${row.severity}`]
          : []),
      ]);
    });
    const unused = rows
      .filter(
        (row) =>
          !everyAlarm.some(({ stack, alarm }) => patternOf(row.name, stack).test(alarm.name)),
      )
      .map((row) => `${row.name} matches no alarm`);
    expect([...new Set([...problems, ...unused])]).toEqual([]);
  });

  it('shows a monitoring configuration that the stack config accepts', () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(section('alert-routing').body)?.[1];
    const example = parse(block ?? '') as Record<string, unknown>;
    expect(parseMonitoringSettings(example[`${PROJECT}:monitoring`]).alerts).toEqual({
      emails: ['platform-alerts@example.com'],
      pagerUrl: 'https://events.pagerduty.com/integration/<integration-key>/enqueue',
    });
  });

  it('links only to its own headings, to headings of the README and to files that exist', () => {
    const own = new Set(headings(runbook).map((heading) => heading.slug));
    const readmeAnchors = new Set(headings(readme).map((heading) => heading.slug));
    const broken = links(runbook)
      .map((link) => link.target)
      .filter((target) => !/^https?:/.test(target))
      .filter((target) => {
        const [path = '', anchor] = target.split('#');
        if (path === '') return !own.has(anchor ?? '');
        if (path === '../README.md' && anchor !== undefined) return !readmeAnchors.has(anchor);
        return !existsSync(join(dirname(RUNBOOK), path));
      });
    expect(broken).toEqual([]);
  });
});

describe('githubSlug', () => {
  it.each([
    ['Dead letters', 'dead-letters'],
    ["Customers' money", 'customers-money'],
    ['SLO burn', 'slo-burn'],
    ['`purchases-at-risk`', 'purchases-at-risk'],
    ['No double buy, no lost buy', 'no-double-buy-no-lost-buy'],
    ['The policy pack (`policies/`)', 'the-policy-pack-policies'],
    ['snake_case stays', 'snake_case-stays'],
  ])('gives "%s" the anchor GitHub gives it, #%s', (text, slug) => {
    expect(githubSlug(text)).toBe(slug);
  });

  it('numbers a repeated heading as GitHub does', () => {
    expect(
      headings('## Fix\n\n```sh\n## not a heading\n```\n\n## Fix\n').map((h) => h.slug),
    ).toEqual(['fix', 'fix-1']);
  });
});
