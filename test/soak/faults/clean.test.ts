/**
 * Fault matrix, the baseline: purchases with no fault at all. Every slot is bought once, and no
 * alarm fires: an alarm that fires here would page someone for a healthy system.
 * Per-slot execution; the same scenarios run in aggregated mode in `aggregated-*.test.ts`.
 */
import { runMatrix } from './matrix.ts';
import { CLEAN } from './scenarios.ts';

runMatrix(CLEAN.title, CLEAN.start, [CLEAN], 'per-slot');
