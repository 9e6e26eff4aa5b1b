/**
 * Hot statements built and compiled once. Kysely builds an operation tree
 * and compiles it to SQL every time a query runs: on the claim and submit
 * paths, which run about forty statements a round trip, that was half of
 * everything the server allocated (a heap-sampling profile: 370 of 720 KiB
 * a round trip) and the garbage collections that come with it.
 *
 * `prepared(build)` calls `build` once per dialect with stand-in arguments,
 * compiles the query and remembers where each argument landed among the
 * bound parameters; later calls only put the real arguments into a copy of
 * that parameter list and hand the compiled query to the same executor, so
 * they still run inside the caller's transaction and behind the connection
 * Kysely serialises. On SQLite the statement runs on the connection
 * directly, skipping Kysely's asynchronous executor too, when that is what
 * Kysely would do: inside a transaction (which holds the only connection
 * until it ends), or outside one while no transaction is open, so a
 * statement outside never lands inside another request's transaction.
 *
 * Only for queries whose shape does not depend on the arguments: each
 * argument must become exactly the bound parameters it was given as (no
 * lists, no branching on values); `build` is checked for that on first use
 * and refused otherwise. `run` counts changed rows and is not for
 * statements with RETURNING (use `rows` or `first`).
 */
import type { CompiledQuery, Compilable, Insertable, Kysely, QueryResult } from "kysely";
import { DirectSqliteAdapter } from "./dialects/sqlite.js";
import type { Database } from "./schema.js";
import type { Executor } from "./store.js";

/** A value a prepared statement can bind. */
export type Arg = string | number | null | Uint8Array;

const STAND_IN = "\u0000sealroom-prepared-arg-";

interface Shape {
  readonly compiled: CompiledQuery;
  /** Per bound parameter: the index of the argument it takes, or -1 for a constant of the query. */
  readonly slots: readonly number[];
}

/** A compiled-once statement (see the file header). */
export interface Prepared<A extends readonly Arg[], O> {
  /** Every row. */
  rows(db: Executor, ...args: A): Promise<O[]>;
  /** The first row, if any. */
  first(db: Executor, ...args: A): Promise<O | undefined>;
  /** Rows changed (insert, update, delete). */
  run(db: Executor, ...args: A): Promise<number>;
}

/** Prepares `build`; see the file header for what it may do with its arguments. */
export function prepared<A extends readonly Arg[], O>(build: (db: Executor, ...args: A) => Compilable<O>): Prepared<A, O> {
  // One shape per dialect adapter: every Kysely instance and transaction of a store shares its adapter.
  const shapes = new WeakMap<object, Shape>();
  const execute = async (db: Executor, args: A): Promise<QueryResult<O>> => {
    const adapter = db.getExecutor().adapter;
    let shape = shapes.get(adapter);
    if (!shape) {
      shape = shapeOf(db, build, args.length);
      shapes.set(adapter, shape);
    }
    const { compiled, slots } = shape;
    const parameters = slots.map((slot, i) => (slot < 0 ? compiled.parameters[i] : args[slot]));
    // Inside an SQLite transaction the connection is the transaction's alone, and with none open a
    // statement runs on its own: either way, run it on the connection directly.
    if (adapter instanceof DirectSqliteAdapter && (db.isTransaction || adapter.statements.openTransactions === 0)) {
      const statement = adapter.statements.prepare(compiled.sql);
      if (statement.reader) return { rows: statement.all(parameters) as O[] };
      return { rows: [], numAffectedRows: BigInt(statement.run(parameters).changes) };
    }
    return db.executeQuery<O>({ ...compiled, parameters } as CompiledQuery<O>);
  };
  return {
    rows: async (db, ...args) => (await execute(db, args)).rows,
    first: async (db, ...args) => (await execute(db, args)).rows[0],
    run: async (db, ...args) => Number((await execute(db, args)).numAffectedRows ?? 0n),
  };
}

function shapeOf<A extends readonly Arg[], O>(db: Executor, build: (db: Executor, ...args: A) => Compilable<O>, arity: number): Shape {
  const standIns = Array.from({ length: arity }, (_, i) => `${STAND_IN}${i}`);
  const compiled = build(db, ...(standIns as unknown as A)).compile();
  const slots = compiled.parameters.map((p) => (typeof p === "string" && p.startsWith(STAND_IN) ? Number(p.slice(STAND_IN.length)) : -1));
  const bound = new Set(slots);
  for (let i = 0; i < arity; i++) {
    if (!bound.has(i)) throw new Error(`prepared statement: argument ${i} is not a bound parameter of ${compiled.sql}`);
  }
  if (compiled.sql.includes(STAND_IN)) throw new Error(`prepared statement: an argument was written into the SQL text of ${compiled.sql}`);
  return { compiled, slots };
}

/**
 * Inserts into `table` of rows holding exactly `columns` (in any order, each
 * defined, null allowed), compiled once per number of rows up to `maxRows`;
 * more rows go through Kysely as usual. Any other row is refused, so a
 * column added to a caller's rows is never dropped silently and a column
 * left out never turns into a null where the table has a default.
 */
export function preparedInsert<T extends keyof Database & string>(table: T, columns: ReadonlyArray<keyof Database[T] & string>, maxRows = 1) {
  const known = new Set<string>(columns);
  const byCount = new Map<number, Prepared<Arg[], unknown>>();
  const statement = (rows: number) => {
    let p = byCount.get(rows);
    if (!p) {
      p = prepared((db, ...values: Arg[]) => {
        const objects = Array.from({ length: rows }, (_, r) => Object.fromEntries(columns.map((c, i) => [c, values[r * columns.length + i]])));
        return db.insertInto(table).values(objects as never);
      });
      byCount.set(rows, p);
    }
    return p;
  };
  return async (db: Executor, rows: ReadonlyArray<Insertable<Database[T]>>): Promise<void> => {
    if (rows.length === 0) return;
    const values: Arg[] = [];
    for (const row of rows) {
      const keys = Object.keys(row);
      if (keys.length !== columns.length || keys.some((k) => !known.has(k))) throw new Error(`preparedInsert(${table}): a row must have exactly the columns ${columns.join(", ")}; it has ${keys.join(", ")}`);
      for (const c of columns) {
        const v = (row as Record<string, unknown>)[c];
        if (v === undefined) throw new Error(`preparedInsert(${table}): column ${c} is undefined`);
        values.push(v as Arg);
      }
    }
    if (rows.length <= maxRows) await statement(rows.length).run(db, ...values);
    else await db.insertInto(table).values(rows as never).execute();
  };
}

/**
 * Updates of `table` rows found by equality on `keyColumns` (and, optionally,
 * `inColumn` in a list), setting the columns a call's `changes` holds:
 * compiled once per set of changed columns and list length. Undefined
 * changes are left out, as Kysely leaves them out; values must be plain
 * (an SQL expression has no place in a bound parameter). Resolves to the
 * number of rows changed.
 */
export function preparedUpdate<T extends keyof Database & string>(table: T, keyColumns: ReadonlyArray<keyof Database[T] & string>, inColumn?: keyof Database[T] & string) {
  const bySignature = new Map<string, Prepared<Arg[], unknown>>();
  return async (db: Executor, keys: readonly Arg[], changes: Readonly<Record<string, unknown>>, inList: readonly Arg[] = []): Promise<number> => {
    const set = Object.keys(changes)
      .filter((k) => changes[k] !== undefined)
      .sort();
    if (set.length === 0) throw new Error(`preparedUpdate(${table}): nothing to change`);
    if (keys.length !== keyColumns.length) throw new Error(`preparedUpdate(${table}): ${keyColumns.length} key values expected`);
    if (inColumn && inList.length === 0) throw new Error(`preparedUpdate(${table}): an empty ${inColumn} list matches nothing`);
    for (const c of set) {
      const v = changes[c];
      if (typeof v === "object" && v !== null && !(v instanceof Uint8Array)) throw new Error(`preparedUpdate(${table}): ${c} must be a plain value, not an expression`);
    }
    const signature = `${set.join(",")}|${inList.length}`;
    let p = bySignature.get(signature);
    if (!p) {
      p = prepared((d, ...values: Arg[]) => {
        // Column names are checked by the signature's types; the builder sees one generic table.
        const u = d as unknown as Kysely<Record<string, Record<string, unknown>>>;
        let q = u.updateTable(table as string).set(Object.fromEntries(set.map((c, i) => [c, values[i]])));
        keyColumns.forEach((c, j) => (q = q.where(c as string, "=", values[set.length + j] as never)));
        if (inColumn) q = q.where(inColumn as string, "in", values.slice(set.length + keyColumns.length) as never);
        return q;
      });
      bySignature.set(signature, p);
    }
    return p.run(db, ...set.map((c) => changes[c] as Arg), ...keys, ...inList);
  };
}
