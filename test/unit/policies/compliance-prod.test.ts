/** `npm run compliance -- --stack prod`, in-process: no mandatory violation on the prod stack. */
import { describeCompliance } from './compliance.ts';

describeCompliance('prod', {
  coverage: '36 of 36 applicable FSBP controls enforced',
  advisories: [],
});
