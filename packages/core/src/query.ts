/**
 * Queries on one model: `session.select(User).where({ … }).orderBy({ id: 'asc' }).limit(10).all()`. A query
 * compiles its statement and hands it to the session, which runs it and loads the rows through the identity
 * map.
 */
import { compileOrder, compileWhere, countStatement, type Filters, isPlainObject, type OrderBy, selectStatement } from './compile.ts';
import type { DriverLimits, Statement } from './driver.ts';
import type { Entity } from './entity.ts';
import { MultipleResultsError, NotFoundError, ValidationError } from './errors.ts';
import type { AnyModel, ModelMeta } from './model-meta.ts';

/** What a query needs from its session. */
export interface QueryRunner {
  readonly limits: DriverLimits;
  runSelect(meta: ModelMeta, model: AnyModel, statement: Statement): Promise<Entity[]>;
  runCount(statement: Statement): Promise<number>;
}

/** A query on one model. Builder methods return the same query; run it with `all`, `first`, `one`, `count`. */
export class Query<M extends AnyModel> {
  readonly #session: QueryRunner;
  readonly #model: M;
  readonly #meta: ModelMeta;
  #filters: Record<string, unknown> | undefined;
  #orderBy: unknown;
  #limit: number | undefined;
  #offset: number | undefined;

  /** @internal */
  constructor(session: QueryRunner, model: M, meta: ModelMeta) {
    this.#session = session;
    this.#model = model;
    this.#meta = meta;
  }

  /** Adds filters (AND). Calling it again adds more; repeating a column is an error. */
  where(filters: Filters<M>): this {
    if (!isPlainObject(filters)) throw new ValidationError('invalid filters', [{ path: [], message: 'expected a plain object' }]);
    if (this.#filters) {
      for (const k of Object.keys(filters)) {
        if (Object.hasOwn(this.#filters, k))
          throw new ValidationError('invalid filters', [{ path: [k], message: 'column filtered twice' }]);
      }
      this.#filters = { ...this.#filters, ...filters };
    } else this.#filters = filters;
    return this;
  }

  /** Sorts by columns: `{ created_at: 'desc' }` or `[{ name: 'asc' }, { id: 'asc' }]`. */
  orderBy(order: OrderBy<M>): this {
    this.#orderBy = order;
    return this;
  }

  /** At most `n` rows. */
  limit(n: number): this {
    this.#limit = this.#count(n, 'limit');
    return this;
  }

  /** Skips `n` rows. */
  offset(n: number): this {
    this.#offset = this.#count(n, 'offset');
    return this;
  }

  #count(n: unknown, what: string): number {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new ValidationError(`invalid ${what}`, [{ path: [what], message: 'expected a non-negative integer' }]);
    }
    return n;
  }

  #statement(limit = this.#limit): Statement {
    const where = compileWhere(this.#meta, this.#filters, this.#session.limits);
    return selectStatement(this.#meta, where, compileOrder(this.#meta, this.#orderBy), limit, this.#offset);
  }

  /** Every matching row. */
  async all(): Promise<InstanceType<M>[]> {
    return (await this.#session.runSelect(this.#meta, this.#model, this.#statement())) as InstanceType<M>[];
  }

  /** The first matching row, or null. */
  async first(): Promise<InstanceType<M> | null> {
    const rows = await this.#session.runSelect(this.#meta, this.#model, this.#statement(1));
    return (rows[0] as InstanceType<M> | undefined) ?? null;
  }

  /** The only matching row or null; MultipleResultsError when there are several (the template's `find_one_or_none`). */
  async oneOrNull(): Promise<InstanceType<M> | null> {
    const rows = await this.#session.runSelect(this.#meta, this.#model, this.#statement(2));
    if (rows.length > 1) throw new MultipleResultsError(`more than one ${this.#meta.name} matches`);
    return (rows[0] as InstanceType<M> | undefined) ?? null;
  }

  /** The only matching row; NotFoundError or MultipleResultsError otherwise. */
  async one(): Promise<InstanceType<M>> {
    const row = await this.oneOrNull();
    if (!row) throw new NotFoundError(`no ${this.#meta.name} matches`);
    return row;
  }

  /** The number of matching rows (ignores order, limit and offset). */
  async count(): Promise<number> {
    const where = compileWhere(this.#meta, this.#filters, this.#session.limits);
    return this.#session.runCount(countStatement(this.#meta, where));
  }
}
