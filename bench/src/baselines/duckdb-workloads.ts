import { availableParallelism } from 'node:os';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CHECKSUM_MOD, type AnswerOf, type WorkloadId } from '../answers.ts';
import type { JobSpec } from '../workloads.ts';

/** The DuckDB threads: all cores of this machine, its best setup here. */
export function duckdbThreads(): number {
  return availableParallelism();
}

export const DUCKDB_WORKLOADS: readonly WorkloadId[] = ['wordcount', 'groupby', 'sort', 'join'];

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** read_csv of the raw text lines with fixed columns: no sniffing, no quoting, tab-separated. */
function readText(glob: string, columns: Record<string, string>): string {
  const cols = Object.entries(columns)
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(', ');
  return (
    `read_csv(${sqlString(glob)}, columns = {${cols}}, delim = '\\t', header = false, ` +
    `quote = '', escape = '', auto_detect = false, new_line = '\\n')`
  );
}

function glob(spec: JobSpec, name: keyof JobSpec['inputs']): string {
  const d = spec.inputs[name];
  if (!d) throw new Error(`job spec has no ${name} input`);
  return d.glob;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v));

/**
 * DuckDB (in-process, in-memory database) running each workload as one SQL
 * query over the same text files, read with read_csv on every run: what a
 * user would pick on one machine for these queries.
 */
export class DuckDbBaseline {
  private constructor(
    private readonly connection: DuckDBConnection,
    readonly setup: string,
  ) {}

  static async create(): Promise<DuckDbBaseline> {
    const threads = duckdbThreads();
    const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
    const connection = await instance.connect();
    const version = (await connection.runAndReadAll('select version()')).getRows()[0][0];
    return new DuckDbBaseline(connection, `DuckDB ${String(version)} (@duckdb/node-api), in-memory, threads=${threads}, read_csv of the text files each run`);
  }

  async run(spec: JobSpec): Promise<unknown> {
    const M = CHECKSUM_MOD;
    const c = this.connection;
    switch (spec.workload) {
      case 'wordcount': {
        const rows = (
          await c.runAndReadAll(
            `SELECT w, count(*)::BIGINT FROM (SELECT unnest(string_split(line, ' ')) AS w FROM ${readText(glob(spec, 'corpus'), { line: 'VARCHAR' })}) GROUP BY w`,
          )
        ).getRows();
        return rows.map((r) => [String(r[0]), num(r[1])]) satisfies AnswerOf['wordcount'];
      }
      case 'groupby': {
        const rows = (
          await c.runAndReadAll(`SELECT k, sum(v)::BIGINT FROM ${readText(glob(spec, 'pairs'), { k: 'VARCHAR', v: 'BIGINT' })} GROUP BY k`)
        ).getRows();
        return rows.map((r) => [String(r[0]), num(r[1])]) satisfies AnswerOf['groupby'];
      }
      case 'join': {
        const [row] = (
          await c.runAndReadAll(
            `SELECT count(*)::BIGINT, sum(f.v * d.w)::BIGINT, ` +
              `(sum(((CAST(substr(f.k, 2) AS BIGINT) % ${M}) * ((f.v * d.w) % ${M})) % ${M}) % ${M})::BIGINT ` +
              `FROM ${readText(glob(spec, 'pairs'), { k: 'VARCHAR', v: 'BIGINT' })} f ` +
              `JOIN ${readText(glob(spec, 'dimension'), { k: 'VARCHAR', w: 'BIGINT' })} d ON f.k = d.k`,
          )
        ).getRows();
        return { rows: num(row[0]), sumProduct: num(row[1]), checksum: num(row[2]) } satisfies AnswerOf['join'];
      }
      case 'sort': {
        // The window's ORDER BY sorts whole records (the line is carried through it);
        // rank × key then proves the order, as the other engines' checksums do.
        const [row] = (
          await c.runAndReadAll(
            `SELECT count(*)::BIGINT, (sum(((rn % ${M}) * (key % ${M})) % ${M}) % ${M})::BIGINT, sum(length(line))::BIGINT ` +
              `FROM (SELECT key, line, row_number() OVER (ORDER BY key) - 1 AS rn ` +
              `FROM (SELECT CAST(split_part(line, ',', 1) AS BIGINT) AS key, line FROM ${readText(glob(spec, 'records'), { line: 'VARCHAR' })}))`,
          )
        ).getRows();
        return { count: num(row[0]), sorted: true, rankChecksum: num(row[1]), bytes: num(row[2]) } satisfies AnswerOf['sort'];
      }
      default:
        throw new Error(`DuckDB does not run ${spec.workload}`);
    }
  }
}
