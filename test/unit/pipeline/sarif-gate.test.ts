/**
 * CodeQL's gate (`scripts/sarif-gate.ts`, run by `.github/workflows/codeql.yml`): which results
 * fail the build. Rules carry GitHub's `security-severity`; high starts at 7.0.
 */
import { describe, expect, it } from 'vitest';
import { blockingResults, type SarifLog } from '../../../scripts/lib/sarif.ts';

function result(ruleId: string, uri = 'functions/place-order/handler.ts', startLine = 12) {
  return {
    ruleId,
    message: { text: `${ruleId} found` },
    locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine } } }],
  };
}

/** CodeQL's layout: the rules under the query pack's extension, the driver's list empty. */
const LOG: SarifLog = {
  runs: [
    {
      tool: {
        driver: { rules: [] },
        extensions: [
          {
            rules: [
              { id: 'js/sql-injection', properties: { 'security-severity': '8.8' } },
              { id: 'js/log-injection', properties: { 'security-severity': '6.1' } },
              { id: 'js/code-injection', properties: { 'security-severity': '9.3' } },
              { id: 'js/unused-local-variable' },
            ],
          },
        ],
      },
      results: [],
    },
  ],
};

function withResults(results: ReturnType<typeof result>[]): SarifLog {
  return { runs: LOG.runs.map((run) => ({ ...run, results })) };
}

describe('the CodeQL gate', () => {
  it('passes a log without results', () => {
    expect(blockingResults(LOG)).toEqual([]);
  });

  it('passes medium-severity and quality results', () => {
    expect(
      blockingResults(
        withResults([result('js/log-injection'), result('js/unused-local-variable')]),
      ),
    ).toEqual([]);
  });

  it('fails on high and critical results, naming the rule, the place and the message', () => {
    expect(
      blockingResults(
        withResults([
          result('js/sql-injection'),
          result('js/code-injection', 'local/stack.ts', 40),
        ]),
      ),
    ).toEqual([
      {
        rule: 'js/sql-injection',
        securitySeverity: 8.8,
        location: 'functions/place-order/handler.ts:12',
        message: 'js/sql-injection found',
      },
      {
        rule: 'js/code-injection',
        securitySeverity: 9.3,
        location: 'local/stack.ts:40',
        message: 'js/code-injection found',
      },
    ]);
  });

  it('reads rules listed under the driver and results that name their rule by rule.id', () => {
    const log: SarifLog = {
      runs: [
        {
          tool: {
            driver: { rules: [{ id: 'js/xss', properties: { 'security-severity': '7.0' } }] },
          },
          results: [{ rule: { id: 'js/xss' }, message: { text: 'xss' } }],
        },
      ],
    };
    expect(blockingResults(log)).toEqual([
      { rule: 'js/xss', securitySeverity: 7, location: '(no location)', message: 'xss' },
    ]);
  });
});
