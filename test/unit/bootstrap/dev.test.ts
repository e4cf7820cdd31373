/** The dev account's bootstrap under mocks (see stack.ts for what each stack must hold). */
import { describeBootstrap } from './stack.ts';

describeBootstrap('dev', '111122223333');
