/** The environment the examples read, in one place. */
export const exampleEnv = {
  /** Print stack traces of failures. */
  debug: (): boolean => !!process.env.FLINT_DEBUG,
  /** The web UI of the master `flint demo` started, to link the application's page. */
  uiUrl: (): string | undefined => process.env.FLINT_UI_URL || undefined,
  /** The API the api-client example talks to. */
  apiUrl: (): string | undefined => process.env.FLINT_API_URL || undefined,
  secret: (): string | undefined => process.env.FLINT_SECRET || undefined,
};
