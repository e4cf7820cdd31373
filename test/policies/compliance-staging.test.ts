/** `npm run compliance -- --stack staging`, in-process: no mandatory violation on the staging stack. */
import { BUCKET_NOTIFICATION_FINDINGS, describeCompliance } from './compliance.ts';

describeCompliance('staging', {
  coverage: '36 of 36 applicable FSBP controls enforced',
  advisories: BUCKET_NOTIFICATION_FINDINGS,
});
