/**
 * The prod stack trading on Coinbase: the exchange's API keys (the trading key and
 * reconciliation's view-only key) live in Secrets Manager, which the paper stacks do not create.
 * The keys are stored by an operator and have no rotation function yet.
 */
import { describeCompliance } from './compliance.ts';

describeCompliance('prod', {
  overrides: { exchange: 'coinbase' },
  coverage: '36 of 36 applicable FSBP controls enforced',
  advisories: [
    'aws-secretsmanager-secret-enable-rotation aws:secretsmanager/secret:Secret::exchange-credentials-secret',
    'aws-secretsmanager-secret-enable-rotation aws:secretsmanager/secret:Secret::exchange-read-only-credentials-secret',
  ],
});
