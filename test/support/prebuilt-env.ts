/** Points the build at the run's bundles in every test file (see `bundles-setup.ts`). */
import { inject } from 'vitest';
import { PREBUILT_FUNCTIONS_ENV } from '#build/functions.ts';

process.env[PREBUILT_FUNCTIONS_ENV] = inject('prebuiltFunctions');
