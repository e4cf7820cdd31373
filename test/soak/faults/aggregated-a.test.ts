/**
 * Fault matrix in aggregated execution, part A: the scenarios of the baseline, exchange errors and
 * latency, and unknown outcomes, on one stack with 60-second windows. The 40 slots due at 08:00
 * each day become one block order; every slot must end bought or clearly failed, exactly once,
 * with the block's fill allocated exactly and nothing for reconciliation to find.
 */
import { runMatrix } from './matrix.ts';
import { CLEAN, EXCHANGE_ERRORS, UNKNOWN_OUTCOMES } from './scenarios.ts';

runMatrix(
  'baseline, exchange errors, unknown outcomes',
  EXCHANGE_ERRORS.start,
  [EXCHANGE_ERRORS, UNKNOWN_OUTCOMES, CLEAN],
  'aggregated',
);
