/**
 * The staging stack sending SMS (an origination identity configured; no stack file has one yet):
 * the protect configuration, its id in the senders' environment and their SMS permissions pass
 * the whole pack, as `npm run compliance -- --stack staging` would with the identity set.
 */
import { describeCompliance } from './compliance.ts';

describeCompliance('staging', {
  overrides: {
    smsOriginationIdentity:
      'arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef',
  },
  coverage: '36 of 36 applicable FSBP controls enforced',
  advisories: [],
});
