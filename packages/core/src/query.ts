/**
 * Queries on one model: `session.select(User).where({ … }).orderBy({ id: 'asc' }).limit(10).all()`. A query
 * compiles its statement and hands it to the session, which runs it and loads the rows through the identity
 * map; `with()` loads relationships (loading.ts), `select(M, columns)` returns plain rows, `groupBy()` and
 * `aggregate()` compute aggregates (aggregate.ts), and `toSQL()` shows the statement without running it.
 */
import {
  type AggregateRow,
  type AggregateSpec,
  aggregateStatement,
  type CompiledRows,
  projectionCountStatement,
  projectionStatement,
} from './aggregate.ts';
import {
  type ColumnFilters,
  type CompiledWhere,
  compileOrder,
  compileWhere,
  countStatement,
  type Filters,
  isPlainObject,
  type OrderBy,
  type OrderByRow,
  selectStatement,
} from './compile.ts';
import type { DriverLimits, SqlValue, Statement } from './driver.ts';
import type { Entity } from './entity.ts';
import { MultipleResultsError, NotFoundError, ValidationError } from './errors.ts';
import { compileWith, type WithNode, type WithSpec } from './loading.ts';
import type { AnyModel, ColumnMeta, ModelMeta, Row } from './model-meta.ts';

/** What a query needs from its session. */
export interface QueryRunner {
  readonly limits: DriverLimits;
  runSelect(meta: ModelMeta, model: AnyModel, statement: Statement, withNodes?: readonly WithNode[]): Promise<Entity[]>;
  runCount(statement: Statement): Promise<number>;
  runRows(statement: Statement): Promise<readonly (readonly SqlValue[])[]>;
  /**
   * Ids of the model's objects whose deletion is pending in the session (`session.delete(obj)`), or undefined
   * when there are none: queries leave those rows out, as `get()` does, so rows, counts, pages and aggregates
   * agree before the commit.
   */
  pendingDeletions?(meta: ModelMeta): readonly number[] | undefined;
}

/**
 * `where` with the rows of objects pending deletion left out (see {@link QueryRunner.pendingDeletions}): one
 * more condition with one parameter, the ids as a JSON array.
 */
export function withoutPendingDeletions(meta: ModelMeta, where: CompiledWhere, ids: readonly number[] | undefined): CompiledWhere {
  if (ids === undefined || ids.length === 0) return where;
  const gone = `${meta.quotedTable}."id" NOT IN (SELECT value FROM json_each(?))`;
  return {
    key: `${where.key}|gone`,
    sql: where.sql === '' ? ` WHERE ${gone}` : ` WHERE (${where.sql.slice(' WHERE '.length)}) AND ${gone}`,
    params: [...where.params, JSON.stringify(ids)],
  };
}

/** A statement as `toSQL()` shows it: SQL text with `?` placeholders and the bound values. */
export interface CompiledQuery {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Shared state and builder steps of every query kind. */
abstract class QueryBase<M extends AnyModel> {
  readonly #runner: QueryRunner;
  readonly #meta: ModelMeta;
  #filters: Record<string, unknown> | undefined;
  #orderBy: unknown;
  #limit: number | undefined;
  #offset: number | undefined;

  constructor(runner: QueryRunner, meta: ModelMeta, filters?: Record<string, unknown>) {
    this.#runner = runner;
    this.#meta = meta;
    this.#filters = filters;
  }

  protected get runner(): QueryRunner {
    return this.#runner;
  }
  protected get meta(): ModelMeta {
    return this.#meta;
  }
  protected get filters(): Record<string, unknown> | undefined {
    return this.#filters;
  }
  protected get limitValue(): number | undefined {
    return this.#limit;
  }
  protected get offsetValue(): number | undefined {
    return this.#offset;
  }
  protected get orderValue(): unknown {
    return this.#orderBy;
  }

  /**
   * Adds filters, AND-ed with the ones given before: `{ col: value }`, operators, `or`/`and`/`not`, and
   * relationship conditions (`{ messages: { some: { … } } }`).
   */
  where(filters: Filters<M>): this {
    if (!isPlainObject(filters)) throw new ValidationError('invalid filters', [{ path: [], message: 'expected a plain object' }]);
    const given = filters as Record<string, unknown>;
    const prev = this.#filters;
    if (prev === undefined) this.#filters = given;
    else if (Object.keys(given).some((k) => Object.hasOwn(prev, k))) this.#filters = { and: [prev, given] };
    else this.#filters = { ...prev, ...given };
    return this;
  }

  /** Sorts: `{ created_at: 'desc' }` or `[{ name: 'asc' }, { id: 'asc' }]`. */
  orderBy(order: OrderBy<M>): this {
    this.#orderBy = order;
    return this;
  }

  /** At most `n` rows. */
  limit(n: number): this {
    this.#limit = checkCount(n, 'limit');
    return this;
  }

  /** Skips `n` rows. */
  offset(n: number): this {
    this.#offset = checkCount(n, 'offset');
    return this;
  }

  protected compiledWhere(): CompiledWhere {
    const where = compileWhere(this.#meta, this.#filters, this.#runner.limits);
    return withoutPendingDeletions(this.#meta, where, this.#runner.pendingDeletions?.(this.#meta));
  }
}

function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ValidationError(`invalid ${what}`, [{ path: [what], message: 'expected a non-negative integer' }]);
  }
  return n;
}

/** The LIMIT of a query whose `limit()` is `limit` when the caller needs at most `most` rows of it. */
function atMost(limit: number | undefined, most: number | undefined): number | undefined {
  if (most === undefined) return limit;
  return limit === undefined ? most : Math.min(limit, most);
}

/** A query returning model objects. Builder methods return the same query; run it with `all`, `first`, `one`, `count`. */
export class Query<M extends AnyModel> extends QueryBase<M> {
  readonly #model: M;
  #with: unknown;

  /** @internal */
  constructor(session: QueryRunner, model: M, meta: ModelMeta) {
    super(session, meta);
    this.#model = model;
  }

  /**
   * Loads relationships with the objects, without N+1: one statement per relationship level for all the
   * objects at once (`{ messages: true }`, nested `{ messages: { where, orderBy, limit, with: { … } } }`).
   * Calling it again adds relationships.
   */
  with(spec: WithSpec<InstanceType<M>>): this {
    if (!isPlainObject(spec)) throw new ValidationError('invalid with()', [{ path: [], message: 'expected a plain object' }]);
    this.#with = isPlainObject(this.#with) ? { ...this.#with, ...spec } : spec;
    return this;
  }

  /**
   * Groups rows by columns for {@link GroupedQuery.aggregate}: `groupBy(['user_id']).aggregate({ n: count() })`.
   * Filters given so far apply before grouping.
   */
  groupBy<const K extends keyof Row<M> & string>(columns: readonly K[]): GroupedQuery<M, K> {
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new ValidationError('invalid groupBy', [{ path: ['groupBy'], message: 'expected a non-empty array of columns' }]);
    }
    return new GroupedQuery<M, K>(this.runner, this.meta, this.filters, columns);
  }

  /** Aggregates over every matching row: one result row (`count()` is 0, the others null, when none match). */
  aggregate<const S extends AggregateSpec<Row<M>>>(spec: S): AggregateQuery<Row<M>, never, S> {
    return new AggregateQuery<Row<M>, never, S>(this.runner, this.meta, this.filters, [], spec);
  }

  /** `most`: the rows `first()`/`oneOrNull()` need, within the query's own `limit()`. */
  #statement(most?: number): { statement: Statement; withNodes: readonly WithNode[] | undefined } {
    const limit = atMost(this.limitValue, most);
    const withNodes = this.#with === undefined ? undefined : compileWith(this.meta, this.#with, this.runner.limits);
    const statement = selectStatement(this.meta, this.compiledWhere(), compileOrder(this.meta, this.orderValue), limit, this.offsetValue);
    return { statement, withNodes };
  }

  /** The SELECT this query sends (relationships from `with()` add one statement per level when it runs). */
  toSQL(): CompiledQuery {
    const { statement } = this.#statement();
    return { sql: statement.sql, params: statement.params };
  }

  async #run(most?: number): Promise<InstanceType<M>[]> {
    const { statement, withNodes } = this.#statement(most);
    return (await this.runner.runSelect(this.meta, this.#model, statement, withNodes)) as InstanceType<M>[];
  }

  /** Every matching row. */
  all(): Promise<InstanceType<M>[]> {
    return this.#run();
  }

  /** The first matching row, or null. */
  async first(): Promise<InstanceType<M> | null> {
    return (await this.#run(1))[0] ?? null;
  }

  /** The only matching row or null; MultipleResultsError when there are several (the template's `find_one_or_none`). */
  async oneOrNull(): Promise<InstanceType<M> | null> {
    const rows = await this.#run(2);
    if (rows.length > 1) throw new MultipleResultsError(`more than one ${this.meta.name} matches`);
    return rows[0] ?? null;
  }

  /** The only matching row; NotFoundError or MultipleResultsError otherwise. */
  async one(): Promise<InstanceType<M>> {
    const row = await this.oneOrNull();
    if (!row) throw new NotFoundError(`no ${this.meta.name} matches`);
    return row;
  }

  /** The number of matching rows (ignores order, limit and offset). */
  count(): Promise<number> {
    try {
      return this.runner.runCount(countStatement(this.meta, this.compiledWhere()));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** Runs a compiled projection or aggregate and decodes its rows. */
async function runRows(runner: QueryRunner, compiled: CompiledRows): Promise<Record<string, unknown>[]> {
  return compiled.decode(await runner.runRows(compiled.statement));
}

/**
 * A query returning plain objects of some columns (`session.select(User, ['id', 'username'])`): not tracked
 * by the session, typed as the picked columns.
 */
export class ProjectionQuery<M extends AnyModel, T> extends QueryBase<M> {
  readonly #columns: readonly ColumnMeta[];
  #distinct = false;

  /** @internal */
  constructor(session: QueryRunner, meta: ModelMeta, columns: readonly string[]) {
    super(session, meta);
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new ValidationError('invalid select', [{ path: ['columns'], message: 'expected a non-empty array of columns' }]);
    }
    const cols: ColumnMeta[] = [];
    const issues = columns.flatMap((c, i) => {
      const m = typeof c === 'string' ? meta.byName.get(c) : undefined;
      if (m && !cols.includes(m)) cols.push(m);
      return m ? [] : [{ path: ['columns', i], message: `unknown column of ${meta.name}` }];
    });
    if (issues.length) throw new ValidationError(`invalid select of ${meta.name}`, issues);
    this.#columns = cols;
  }

  /** Only distinct rows (`SELECT DISTINCT`; timestamps compared by instant). */
  distinct(): this {
    this.#distinct = true;
    return this;
  }

  #compiled(most?: number): CompiledRows {
    const limit = atMost(this.limitValue, most);
    return projectionStatement(
      this.meta,
      this.#columns,
      this.compiledWhere(),
      compileOrder(this.meta, this.orderValue),
      limit,
      this.offsetValue,
      this.#distinct,
    );
  }

  /** The SELECT this query sends. */
  toSQL(): CompiledQuery {
    const { statement } = this.#compiled();
    return { sql: statement.sql, params: statement.params };
  }

  /** Every matching row. */
  async all(): Promise<T[]> {
    return (await runRows(this.runner, this.#compiled())) as T[];
  }

  /** The first matching row, or null. */
  async first(): Promise<T | null> {
    return ((await runRows(this.runner, this.#compiled(1)))[0] as T | undefined) ?? null;
  }

  /** The only matching row or null; MultipleResultsError when there are several. */
  async oneOrNull(): Promise<T | null> {
    const rows = await runRows(this.runner, this.#compiled(2));
    if (rows.length > 1) throw new MultipleResultsError(`more than one ${this.meta.name} row matches`);
    return (rows[0] as T | undefined) ?? null;
  }

  /** The only matching row; NotFoundError or MultipleResultsError otherwise. */
  async one(): Promise<T> {
    const row = await this.oneOrNull();
    if (row === null) throw new NotFoundError(`no ${this.meta.name} row matches`);
    return row;
  }

  /** The number of matching rows (distinct rows after `distinct()`). */
  count(): Promise<number> {
    try {
      return this.runner.runCount(projectionCountStatement(this.meta, this.#columns, this.compiledWhere(), this.#distinct));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** Rows grouped by columns, waiting for {@link aggregate}. */
export class GroupedQuery<M extends AnyModel, G extends keyof Row<M> & string> {
  readonly #runner: QueryRunner;
  readonly #meta: ModelMeta;
  readonly #filters: Record<string, unknown> | undefined;
  readonly #groupBy: readonly G[];

  /** @internal */
  constructor(runner: QueryRunner, meta: ModelMeta, filters: Record<string, unknown> | undefined, groupBy: readonly G[]) {
    this.#runner = runner;
    this.#meta = meta;
    this.#filters = filters;
    this.#groupBy = groupBy;
  }

  /** One row per group: the group's columns and each aggregate (`{ n: count(), total: sum('score') }`). */
  aggregate<const S extends AggregateSpec<Row<M>>>(spec: S): AggregateQuery<Row<M>, G, S> {
    return new AggregateQuery<Row<M>, G, S>(this.#runner, this.#meta, this.#filters, this.#groupBy, spec);
  }
}

/** Aggregate rows: `having`, `orderBy`, `limit`, `offset` over the result columns, then `all`, `one`, `first`. */
export class AggregateQuery<R, G extends keyof R, S> {
  readonly #runner: QueryRunner;
  readonly #meta: ModelMeta;
  readonly #filters: Record<string, unknown> | undefined;
  readonly #groupBy: readonly string[];
  readonly #spec: Record<string, unknown>;
  #having: unknown;
  #orderBy: unknown;
  #limit: number | undefined;
  #offset: number | undefined;

  /** @internal */
  constructor(runner: QueryRunner, meta: ModelMeta, filters: Record<string, unknown> | undefined, groupBy: readonly string[], spec: S) {
    this.#runner = runner;
    this.#meta = meta;
    this.#filters = filters;
    this.#groupBy = groupBy;
    this.#spec = spec as Record<string, unknown>;
  }

  /** Filters on the result columns (SQL's HAVING): `{ n: { gte: 2 } }`, with the operators of `where`. */
  having(filters: AggregateFilters<AggregateRow<R, G, S>>): this {
    this.#having = filters;
    return this;
  }

  /** Sorts by result columns: `{ n: 'desc' }`. */
  orderBy(order: OrderByRow<AggregateRow<R, G, S>>): this {
    this.#orderBy = order;
    return this;
  }

  /** At most `n` rows. */
  limit(n: number): this {
    this.#limit = checkCount(n, 'limit');
    return this;
  }

  /** Skips `n` rows. */
  offset(n: number): this {
    this.#offset = checkCount(n, 'offset');
    return this;
  }

  #compiled(most?: number): CompiledRows {
    const limit = atMost(this.#limit, most);
    const where = withoutPendingDeletions(
      this.#meta,
      compileWhere(this.#meta, this.#filters, this.#runner.limits),
      this.#runner.pendingDeletions?.(this.#meta),
    );
    return aggregateStatement(
      this.#meta,
      where,
      { groupBy: this.#groupBy, spec: this.#spec, having: this.#having, orderBy: this.#orderBy, limit, offset: this.#offset },
      this.#runner.limits,
    );
  }

  /** The SELECT this query sends. */
  toSQL(): CompiledQuery {
    const { statement } = this.#compiled();
    return { sql: statement.sql, params: statement.params };
  }

  /** Every result row. */
  async all(): Promise<AggregateRow<R, G, S>[]> {
    return (await runRows(this.#runner, this.#compiled())) as AggregateRow<R, G, S>[];
  }

  /** The first result row, or null. */
  async first(): Promise<AggregateRow<R, G, S> | null> {
    return ((await runRows(this.#runner, this.#compiled(1)))[0] as AggregateRow<R, G, S> | undefined) ?? null;
  }

  /** The only result row (an aggregate without `groupBy` always has exactly one); NotFoundError or MultipleResultsError otherwise. */
  async one(): Promise<AggregateRow<R, G, S>> {
    const rows = await runRows(this.#runner, this.#compiled(2));
    if (rows.length > 1) throw new MultipleResultsError(`more than one ${this.#meta.name} group matches`);
    if (rows.length === 0) throw new NotFoundError(`no ${this.#meta.name} group matches`);
    return rows[0] as AggregateRow<R, G, S>;
  }
}

/** Filters over aggregate result columns (`having`). */
export type AggregateFilters<Row> = ColumnFilters<Row> & {
  or?: readonly AggregateFilters<Row>[];
  and?: readonly AggregateFilters<Row>[];
  not?: AggregateFilters<Row>;
};
