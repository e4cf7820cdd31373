import * as aws from '@pulumi/aws';
import type { PolicyResource } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, list, record, text } from '../../../lib/values.ts';

/** Whether a web ACL has a rate-based rule that blocks what goes over its limit. */
function rateLimits(acl: PolicyResource): boolean {
  return list(acl.props.rules).some((rule) => {
    const props = record(rule);
    return (
      record(record(props?.statement)?.rateBasedStatement) !== undefined &&
      record(record(props?.action)?.block) !== undefined
    );
  });
}

/**
 * AppSync has no rate limit of its own per caller: without WAF, anyone with a token (sign-up is
 * open) can send as many requests as the account's AppSync quota allows.
 * https://docs.aws.amazon.com/appsync/latest/devguide/WAF-Integration.html
 */
export const enableWafRateLimit: PackStackPolicy = {
  name: 'aws-appsync-graphqlapi-enable-waf-rate-limit',
  description:
    'Checks that every AppSync GraphQL API is associated with an AWS WAF web ACL that blocks clients over a rate-based limit.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    "Add an aws.wafv2.WebAcl (scope REGIONAL) with a rule whose statement is a rateBasedStatement and whose action is block, and an aws.wafv2.WebAclAssociation of it with the API's ARN.",
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    // Web ACLs of the stack by ARN; an association may name one managed elsewhere (Firewall
    // Manager), which is then trusted.
    const acls = new Map<string, PolicyResource>();
    const associations = new Map<string, string>();
    forEachKnown(args.resources, (resource) => {
      if (resource.isType(aws.wafv2.WebAcl)) {
        const arn = text(resource.props.arn);
        if (arn !== undefined) acls.set(arn, resource);
      }
      if (resource.isType(aws.wafv2.WebAclAssociation)) {
        const api = text(resource.props.resourceArn);
        const acl = text(resource.props.webAclArn);
        if (api !== undefined && acl !== undefined) associations.set(api, acl);
      }
    });
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.appsync.GraphQLApi)) return;
      const name = text(resource.props.name) ?? resource.name;
      const arn = text(resource.props.arn);
      const acl = arn === undefined ? undefined : associations.get(arn);
      if (acl === undefined) {
        reportViolation(
          `AppSync API ${name} must sit behind AWS WAF: add an aws.wafv2.WebAclAssociation of a REGIONAL web ACL with a blocking rate-based rule to the API's ARN.`,
          resource.urn,
        );
        return;
      }
      const declared = acls.get(acl);
      if (declared !== undefined && !rateLimits(declared)) {
        reportViolation(
          `AppSync API ${name} must be rate limited per client: give its web ACL ${text(declared.props.name) ?? declared.name} a rule with a rateBasedStatement and a block action.`,
          resource.urn,
        );
      }
    });
  },
};
