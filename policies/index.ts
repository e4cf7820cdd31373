/**
 * The policy pack's entry point for the Pulumi CLI (`pulumi up --policy-pack policies`). Keep it
 * thin: constructing a PolicyPack starts a gRPC server, so tests import `pack.ts` instead.
 *
 * The pack checks its own configuration before it serves (`lib/config.ts`): every policy's schema
 * must compile and hold its own defaults, and each policy refuses to run with settings that do not
 * match its schema, as `pulumi policy validate-config` would refuse them.
 */
import { PolicyPack } from '@pulumi/policy';
import { assertPackSchemas, withValidatedConfig } from './lib/config.ts';
import { policies } from './pack.ts';

assertPackSchemas(policies);
new PolicyPack('savings-plan-buy', { policies: policies.map(withValidatedConfig) });
