import type { ApiSettings } from '#shared/api-settings.ts';

// Replaced by the settings object when `build/resolvers.ts` bundles a resolver.
declare const API_SETTINGS: ApiSettings;

/** Table names and stack limits this bundle was built with. */
export const settings: ApiSettings = API_SETTINGS;
