/** Checks a local stack's bus against the bus event catalog. */
import type { LocalStack } from '#local/stack.ts';
import { detailProblems } from '#shared/bus-events.ts';

/**
 * What is wrong, by the catalog (`shared/bus-events.ts`), with the events the stack's bus has
 * carried so far: empty when every one is an event of the catalog, from its source, with its
 * detail's shape.
 */
export function busEventProblems(stack: LocalStack): string[] {
  return stack.eventBus
    .events()
    .flatMap((event) => detailProblems(event.source, event.detailType, event.detail));
}
