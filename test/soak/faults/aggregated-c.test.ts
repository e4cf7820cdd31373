/**
 * Fault matrix in aggregated execution, part C: every fault at once, on a stack of its own.
 */
import { runMatrix } from './matrix.ts';
import { COMBINED } from './scenarios.ts';

runMatrix(COMBINED.title, COMBINED.start, [COMBINED], 'aggregated');
