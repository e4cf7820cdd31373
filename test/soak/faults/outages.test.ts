/**
 * Fault matrix, part 3: an exchange that is down for an hour, one that rate-limits at 30 requests
 * a second, and one that refuses every order for insufficient funds. Each alone and with every
 * schedule firing delivered twice, 80 slots each.
 * Per-slot execution; the same scenarios run in aggregated mode in `aggregated-*.test.ts`.
 */
import { runMatrix } from './matrix.ts';
import { OUTAGES } from './scenarios.ts';

runMatrix(OUTAGES.title, OUTAGES.start, [OUTAGES], 'per-slot');
