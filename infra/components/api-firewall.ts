/**
 * AWS WAF in front of the GraphQL API: a regional web ACL whose rate-based rule answers 429 to a
 * client IP that sends more than the stack's limit in five minutes, with CloudWatch metrics and
 * sampled requests, associated with the API; the requests it blocks are logged (authorization
 * header redacted) to a log group encrypted with the project key.
 *
 * No AWS managed rule group: the common rule set (AWSManagedRulesCommonRuleSet) looks for XSS,
 * LFI and oversized bodies in HTML-form traffic. This API takes only GraphQL documents whose
 * every argument the resolvers validate exactly (amounts, zones, dates), stores them in DynamoDB
 * (no SQL, no HTML), and its body rules (8 KB SizeRestrictions_BODY, XSS patterns in JSON) would
 * block legitimate requests while adding nothing against the abuse at hand: volume, which the
 * rate rule and the API's resolver count limit bound.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface ApiFirewallArgs {
  /** Names the web ACL (`<name>-api`) and its log group (`aws-waf-logs-<name>-api`). */
  readonly namePrefix: pulumi.Input<string>;
  /** The AppSync API to protect. */
  readonly apiArn: pulumi.Input<string>;
  /** Requests one client IP may send in five minutes (10 to 2,000,000,000). */
  readonly rateLimitPer5Minutes: number;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The rate-based rule's name, which is also its CloudWatch metric's. */
export const RATE_LIMIT_RULE = 'rate-limit-per-ip';

export class ApiFirewall extends pulumi.ComponentResource {
  readonly webAcl: aws.wafv2.WebAcl;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ApiFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:api:ApiFirewall', name, {}, opts);
    const parent = { parent: this };
    const aclName = pulumi.interpolate`${args.namePrefix}-api`;

    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-acl`,
      {
        name: aclName,
        description: 'Rate limit per client IP in front of the GraphQL API',
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        rules: [
          {
            name: RATE_LIMIT_RULE,
            priority: 0,
            // 429 tells a frontend to back off and retry, where WAF's default 403 reads as
            // "forbidden". https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html
            action: { block: { customResponse: { responseCode: 429 } } },
            statement: {
              rateBasedStatement: {
                limit: args.rateLimitPer5Minutes,
                // Clients call AppSync directly (no CloudFront or proxy in front), so the
                // connection's address is the client's.
                aggregateKeyType: 'IP',
                evaluationWindowSec: 300,
              },
            },
            visibilityConfig: {
              cloudwatchMetricsEnabled: true,
              metricName: RATE_LIMIT_RULE,
              sampledRequestsEnabled: true,
            },
          },
        ],
        visibilityConfig: {
          cloudwatchMetricsEnabled: true,
          metricName: aclName,
          sampledRequestsEnabled: true,
        },
        tags: args.tags,
      },
      parent,
    );

    new aws.wafv2.WebAclAssociation(
      `${name}-association`,
      { resourceArn: args.apiArn, webAclArn: this.webAcl.arn },
      parent,
    );

    // WAF logs to CloudWatch only into groups named aws-waf-logs-*.
    // https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: pulumi.interpolate`aws-waf-logs-${aclName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-logging`,
      {
        resourceArn: this.webAcl.arn,
        logDestinationConfigs: [logGroup.arn],
        // The ID token in the header identifies the user and is a credential until it expires.
        redactedFields: [{ singleHeader: { name: 'authorization' } }],
        // Only what WAF blocked: who was rate limited, and when. Allowed requests are the API's
        // own business (its field logs), and logging each would cost per request.
        loggingFilter: {
          defaultBehavior: 'DROP',
          filters: [
            {
              behavior: 'KEEP',
              requirement: 'MEETS_ANY',
              conditions: [{ actionCondition: { action: 'BLOCK' } }],
            },
          ],
        },
      },
      parent,
    );

    this.arn = this.webAcl.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
