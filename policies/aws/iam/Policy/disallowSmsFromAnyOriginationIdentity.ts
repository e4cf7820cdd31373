import { ownRule } from '../../../lib/controls.ts';
import { allowsAction } from '../../../lib/documents.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const SEND_TEXT_MESSAGE = 'sms-voice:SendTextMessage';

/** Whether a resource pattern matches more than one resource: "*", or any `*` or `?` in it. */
function wildcard(resource: string): boolean {
  return resource.includes('*') || resource.includes('?');
}

/**
 * End User Messaging SMS authorizes SendTextMessage on the origination identity the message is
 * sent from (phone number, sender id or pool): a wildcard lets a function send from any number of
 * the account or Region, under another sender's name and registration.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsendusermessagingsmsandvoicev2.html
 */
export const disallowSmsFromAnyOriginationIdentity: PackResourcePolicy = {
  name: 'aws-iam-policy-disallow-sms-from-any-origination-identity',
  description:
    'Checks that IAM identity policies allow sms-voice:SendTextMessage only on exact origination identities (phone number, sender id or pool ARNs), never on "*" or a wildcard.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Name the stack\u2019s origination identity (the smsOriginationIdentity ARN) as the Resource of sms-voice:SendTextMessage.',
  ...ownRule(),
  validateResource: validateIdentityPolicies((statements, reportViolation) => {
    for (const statement of statements) {
      if (!allowsAction(statement, SEND_TEXT_MESSAGE)) continue;
      if (statement.notResources !== undefined) {
        reportViolation(
          `IAM policies must name the origination identity SMS is sent from: replace NotResource in statement ${statement.id} with the exact phone number, sender id or pool ARN.`,
        );
        continue;
      }
      const wide = statement.resources.filter(wildcard);
      if (wide.length > 0) {
        reportViolation(
          `IAM policies must name the origination identity SMS is sent from: replace ${wide.map((resource) => `"${resource}"`).join(', ')} for ${SEND_TEXT_MESSAGE} in statement ${statement.id} with the exact phone number, sender id or pool ARN.`,
        );
      }
    }
  }),
};
