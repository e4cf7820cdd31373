/**
 * Fault matrix, part 5: an exchange that stays down for the whole purchase window. Every slot must
 * end FAILED with WINDOW_EXPIRED and a PurchaseFailed event, and nothing is bought late. On a
 * stack of its own, as each slot is retried for six hours.
 * Per-slot execution; the same scenarios run in aggregated mode in `aggregated-*.test.ts`.
 */
import { runMatrix } from './matrix.ts';
import { WINDOW } from './scenarios.ts';

runMatrix(WINDOW.title, WINDOW.start, [WINDOW], 'per-slot');
