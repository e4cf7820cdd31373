/**
 * The policy pack's entry point for the Pulumi CLI (`pulumi up --policy-pack policies`). Keep it
 * thin: constructing a PolicyPack starts a gRPC server, so tests import `pack.ts` instead.
 */
import { PolicyPack } from '@pulumi/policy';
import { policies } from './pack.ts';

new PolicyPack('savings-plan-buy', { policies: [...policies] });
