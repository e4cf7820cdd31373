/**
 * Fault matrix, part 2: outcomes the order step cannot know. The exchange takes 20% of orders and
 * never answers (the client times out), and keeps client order ids unique only among open
 * orders, as Kraken does, so only reading the order back before re-sending prevents a double buy;
 * and the order Lambda dies right after 20% of orders were taken. Each alone and with every
 * schedule firing delivered twice, 80 slots each.
 * Per-slot execution; the same scenarios run in aggregated mode in `aggregated-*.test.ts`.
 */
import { runMatrix } from './matrix.ts';
import { UNKNOWN_OUTCOMES } from './scenarios.ts';

runMatrix(UNKNOWN_OUTCOMES.title, UNKNOWN_OUTCOMES.start, [UNKNOWN_OUTCOMES], 'per-slot');
