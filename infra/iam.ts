/**
 * IAM policy documents as plain data, so components build them the same way and tests assert
 * them exactly. Statements name exact actions on exact ARNs.
 */
import * as pulumi from '@pulumi/pulumi';

type In<T> = pulumi.Input<T>;

/** One IAM statement; ARNs and other values may be outputs of other resources. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Record<string, In<string> | In<string>[]>;
  Action: string | string[];
  Resource?: In<string> | In<string>[] | pulumi.Output<string[]>;
  Condition?: Record<string, Record<string, In<string> | In<string>[] | boolean>>;
}

/** A policy document whose ARNs may still be unknown, as a JSON string input. */
export function policyJson(statements: PolicyStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });
}

/** A trust policy for a service, limited to calls made on behalf of `sourceArn` in `account`. */
export function serviceTrustPolicy(
  service: string,
  account: pulumi.Input<string>,
  sourceArn: pulumi.Input<string>,
): pulumi.Output<string> {
  return policyJson([
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      // Guards against the confused-deputy problem:
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
      Condition: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: { 'aws:SourceArn': sourceArn },
      },
    },
  ]);
}
