/**
 * Fault matrix, part 1: an exchange that answers 30% of requests with errors, and one that is
 * slow (800 ms), each alone and with every schedule firing delivered twice. 80 slots each: every
 * slot ends in exactly one order or a clear failure, and reconciliation finds nothing.
 * Per-slot execution; the same scenarios run in aggregated mode in `aggregated-*.test.ts`.
 */
import { runMatrix } from './matrix.ts';
import { EXCHANGE_ERRORS } from './scenarios.ts';

runMatrix(EXCHANGE_ERRORS.title, EXCHANGE_ERRORS.start, [EXCHANGE_ERRORS], 'per-slot');
