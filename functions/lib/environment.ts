/** Reads a Lambda's configuration at cold start: a missing variable fails loudly, once. */

/** Thrown at cold start when the function's configuration is incomplete. */
export class ConfigurationMissingError extends Error {
  constructor(names: readonly string[]) {
    super(`missing environment variables: ${names.join(', ')}`);
    this.name = 'ConfigurationMissingError';
  }
}

/** The named variables, all required and non-empty. */
export function requireEnvironment<const Name extends string>(
  names: readonly Name[],
  environment: NodeJS.ProcessEnv = process.env,
): Record<Name, string> {
  const missing = names.filter((name) => (environment[name] ?? '') === '');
  if (missing.length > 0) throw new ConfigurationMissingError(missing);
  return Object.fromEntries(names.map((name) => [name, environment[name] as string])) as Record<
    Name,
    string
  >;
}
