/** The prod account's bootstrap under mocks (see stack.ts for what each stack must hold). */
import { describeBootstrap } from './stack.ts';

describeBootstrap('prod', '777788889999');
