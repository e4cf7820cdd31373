import { describe, expect, it } from 'vitest';
import { callerOf } from '#local/services/counting-proxy.ts';

describe('callerOf', () => {
  it('reads the SDK application id from either user agent header', () => {
    expect(
      callerOf({
        'x-amz-user-agent': 'aws-sdk-js/3.1164.0 ua/2.1 app/place-order',
        'user-agent': 'x',
      }),
    ).toBe('place-order');
    expect(callerOf({ 'user-agent': 'aws-sdk-js/3.1164.0 os/linux app/states lang/js' })).toBe(
      'states',
    );
  });

  it('drops the marker Powertools appends to the application id', () => {
    expect(callerOf({ 'user-agent': 'aws-sdk-js/3 app/notifier-PT-NO-OP-2.35.0-PTEnv-NA' })).toBe(
      'notifier',
    );
  });

  it('answers other without one', () => {
    expect(callerOf({ 'user-agent': 'curl/8.0' })).toBe('other');
    expect(callerOf({})).toBe('other');
  });
});
