import { describe, expect, it } from 'vitest';
import { NotACodeError, codeMessage } from '#domain/contact-messages.ts';

describe('the verification code message', () => {
  it('carries the six digits and how long they are valid, and nothing else', () => {
    expect(codeMessage('004217')).toEqual({
      subject: 'Your Savings Plan Buy code',
      text: 'Your Savings Plan Buy code is 004217. It is valid for 10 minutes.\n',
      html: '<p>Your Savings Plan Buy code is <strong>004217</strong>.</p><p>It is valid for 10 minutes.</p>',
      sms: 'Your Savings Plan Buy code is 004217. It is valid for 10 minutes.',
    });
  });

  it('refuses to carry anything but six digits', () => {
    for (const code of ['12345', '1234567', '12345a', '<b>1</b>', '']) {
      expect(() => codeMessage(code)).toThrow(NotACodeError);
    }
  });
});
