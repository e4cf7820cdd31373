/**
 * Fault matrix in aggregated execution, part B: outages, rate limits and refusals, then an outage
 * longer than the purchase window, on one stack with 60-second windows.
 */
import { runMatrix } from './matrix.ts';
import { OUTAGES, WINDOW } from './scenarios.ts';

runMatrix('outages, refusals, the window', OUTAGES.start, [OUTAGES, WINDOW], 'aggregated');
