/** The staging account's bootstrap under mocks (see stack.ts for what each stack must hold). */
import { describeBootstrap } from './stack.ts';

describeBootstrap('staging', '444455556666');
