/**
 * The prod stack trading on Coinbase: the exchange's API key lives in Secrets Manager, which the
 * paper stacks do not create. The key is stored by an operator and has no rotation function yet.
 */
import { describeCompliance } from './compliance.ts';

describeCompliance('prod', {
  overrides: { exchange: 'coinbase' },
  coverage: '36 of 36 applicable FSBP controls enforced',
  advisories: [
    'aws-secretsmanager-secret-enable-rotation aws:secretsmanager/secret:Secret::exchange-credentials-secret',
  ],
});
