declare module 'acorn-globals' {
  /** The free (global) variables a script references. */
  function findGlobals(source: string, options?: Record<string, unknown>): { name: string; nodes: unknown[] }[];
  export default findGlobals;
}
