/** The purchase workflow's definition: valid ASL, resilient states, only known placeholders. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  DefinitionSubstitutionError,
  PURCHASE_STATE_MACHINE_FILE,
  substituteDefinition,
} from '#shared/state-machines.ts';

const require = createRequire(import.meta.url);
const validate = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const TEXT = readFileSync(PURCHASE_STATE_MACHINE_FILE, 'utf8');
const VALUES = {
  PlansTable: 'p',
  ExecutionsTable: 'e',
  EventBusName: 'b',
  DecideFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:decide',
  PlaceOrderFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:place-order',
};

interface State {
  Type: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}

const definition = substituteDefinition(TEXT, VALUES) as {
  TimeoutSeconds: number;
  States: Record<string, State>;
};

describe('purchase.asl.json', () => {
  it('is valid Amazon States Language (JSONPath)', () => {
    const { isValid, errors } = validate(definition);
    expect({ isValid, errors }).toEqual({ isValid: true, errors: [] });
    expect(TEXT).not.toContain('"QueryLanguage": "JSONata"');
  });

  it('gives every Task an explicit Retry for transient errors and a Catch', () => {
    for (const [name, state] of Object.entries(definition.States).filter(
      ([, state]) => state.Type === 'Task',
    )) {
      expect(state.Retry?.length, name).toBeGreaterThan(0);
      expect(state.Catch?.length, name).toBeGreaterThan(0);
      expect(state.Catch?.at(-1)?.ErrorEquals, name).toEqual(['States.ALL']);
    }
  });

  it('stays far inside the five minutes an Express execution may run', () => {
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(240);
  });

  it('claims the slot first', () => {
    expect((definition as unknown as { StartAt: string }).StartAt).toBe('ClaimSlot');
  });

  it('names only the placeholders the deploy and the local stack fill', () => {
    expect(() => substituteDefinition(TEXT, { ...VALUES, Extra: 'x' })).toThrow(
      new DefinitionSubstitutionError('the definition has no placeholder for Extra'),
    );
    const { EventBusName: _omitted, ...missing } = VALUES;
    expect(() => substituteDefinition(TEXT, missing)).toThrow(
      new DefinitionSubstitutionError('no value for the placeholder ${EventBusName}'),
    );
  });
});
