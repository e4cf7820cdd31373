/** `npm run compliance -- --stack staging`, in-process: no mandatory violation on the staging stack. */
import { describeCompliance } from './compliance.ts';

describeCompliance('staging', {
  coverage: '36 of 36 applicable FSBP controls enforced',
  advisories: [],
});
