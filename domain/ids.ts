/**
 * Identifiers derived from a plan and a scheduled slot. The same slot always yields the same
 * ids, so every retry, redelivery and duplicate execution of a slot refers to one order.
 */
import { createHash } from 'node:crypto';

/** The UUID namespace of Savings Plan Buy's client order ids (random, fixed forever). */
const CLIENT_ORDER_NAMESPACE = 'b6f0d1c2-5a4e-4f7b-9c3d-2e1a0f9b8c7d';

/** RFC 9562 UUIDv5 (SHA-1, name-based) of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The exchange client order id of a plan's slot (`slot` as `2026-12-07T08:00:00Z`). */
export function clientOrderIdFor(planId: string, slot: string): string {
  return uuidV5(CLIENT_ORDER_NAMESPACE, `${planId}#${slot}`);
}

/** The GraphQL id of an execution: plan id and slot. */
export function executionIdFor(planId: string, slot: string): string {
  return `${planId}_${slot}`;
}
