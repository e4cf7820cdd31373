/**
 * Fault matrix, part 4: every fault at once (errors, timeouts after accepting, latency, a rate
 * limit, Kraken client ids, order Lambda crashes and duplicate deliveries).
 * Per-slot execution; the same scenarios run in aggregated mode in `aggregated-*.test.ts`.
 */
import { runMatrix } from './matrix.ts';
import { COMBINED } from './scenarios.ts';

runMatrix(COMBINED.title, COMBINED.start, [COMBINED], 'per-slot');
