/**
 * The emergency stop (a second AppConfig document with no alarm monitors): what it may say, that
 * AppConfig's schema and the reader agree on it, and that it only ever turns purchases off.
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EMERGENCY_STOP,
  DEFAULT_FLAGS,
  EMERGENCY_STOP_JSON_SCHEMA,
  FlagsError,
  parseEmergencyStop,
  withEmergencyStop,
  type EmergencyStop,
  type Flags,
} from '#domain/flags.ts';

const FLAGS: Flags = {
  purchasesEnabled: true,
  purchasesEnabledPercent: '25',
  maxAmountPerRun: '500.00',
  maxAmountPerRunByCurrency: { EUR: '400.00' },
};
const STOPPED: EmergencyStop = { purchasesEnabled: false };

describe('parseEmergencyStop', () => {
  it('reads the switch, on or off', () => {
    expect([
      parseEmergencyStop({ purchasesEnabled: true }),
      parseEmergencyStop({ purchasesEnabled: false }),
    ]).toEqual([{ purchasesEnabled: true }, { purchasesEnabled: false }]);
  });

  it('starts with purchases allowed', () => {
    expect(DEFAULT_EMERGENCY_STOP).toEqual({ purchasesEnabled: true });
  });

  it.each([
    [null, 'the emergency stop must be a JSON object: {"purchasesEnabled": false}'],
    [[false], 'the emergency stop must be a JSON object: {"purchasesEnabled": false}'],
    [{}, 'the emergency stop needs purchasesEnabled, true or false'],
    [{ purchasesEnabled: 'false' }, 'the emergency stop needs purchasesEnabled, true or false'],
    [
      { purchaseEnabled: false },
      'the emergency stop has purchasesEnabled only, not purchaseEnabled: {"purchasesEnabled": false}',
    ],
    [
      { purchasesEnabled: false, maxAmountPerRun: '1.00' },
      'the emergency stop has purchasesEnabled only, not maxAmountPerRun: {"purchasesEnabled": false}',
    ],
  ])('refuses %j rather than read it as "buy"', (document, message) => {
    expect(() => parseEmergencyStop(document)).toThrow(new FlagsError(message));
  });
});

describe('the emergency stop JSON schema', () => {
  // AppConfig validates with draft-04; these keywords mean the same in Ajv's default draft.
  const { $schema, ...rules } = EMERGENCY_STOP_JSON_SCHEMA;
  const validate = new Ajv().compile(rules);
  const parses = (document: unknown) => {
    try {
      parseEmergencyStop(document);
      return true;
    } catch (error) {
      if (error instanceof FlagsError) return false;
      throw error;
    }
  };

  it('is draft-04, as AppConfig reads it', () => {
    expect($schema).toBe('http://json-schema.org/draft-04/schema#');
  });

  it.each([
    { purchasesEnabled: true },
    { purchasesEnabled: false },
    {},
    { purchasesEnabled: 'false' },
    { purchasesEnabled: 0 },
    { purchasesEnabled: null },
    { purchaseEnabled: false },
    { purchasesEnabled: false, purchasesEnabledPercent: '0' },
    [],
    null,
    'false',
  ])('agrees with parseEmergencyStop on %j', (document) => {
    expect(validate(document)).toBe(parses(document));
  });
});

describe('withEmergencyStop', () => {
  it('keeps the main flags as they are while the emergency stop allows purchases', () => {
    expect(withEmergencyStop(FLAGS, DEFAULT_EMERGENCY_STOP)).toEqual(FLAGS);
  });

  it('turns purchases off when the emergency stop is off, keeping the share and maximums', () => {
    expect(withEmergencyStop(FLAGS, STOPPED)).toEqual({ ...FLAGS, purchasesEnabled: false });
  });

  it('never turns purchases on that the main flags turned off', () => {
    const off = { ...DEFAULT_FLAGS, purchasesEnabled: false };
    expect([
      withEmergencyStop(off, DEFAULT_EMERGENCY_STOP),
      withEmergencyStop(off, STOPPED),
    ]).toEqual([off, off]);
  });
});
