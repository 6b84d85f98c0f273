/**
 * `BaseDAO`: the Python template's generic repository (`bot/dao/base.py`), method for method, with its bugs
 * fixed. A DAO is bound to one session (one unit of work); the caller commits, as in the template's newer
 * version where an aiogram middleware commits after the handler.
 *
 * ```ts
 * class UserDAO extends BaseDAO(User) {}
 * await Session.begin(async (session) => {
 *   const users = new UserDAO(session);
 *   const u = (await users.findOneOrNone({ telegram_id: 42 })) ?? (await users.add({ telegram_id: 42 }));
 * });
 * ```
 *
 * Reads run at once. Writes are queued in the session and reach the database, all together and atomically,
 * at `session.commit()`; write counts (`update`, `delete`, `bulkUpdate`) are read from the returned
 * `WriteResult` after that commit. See docs/dao.md for the template-to-litedao table.
 */
import type { Filters, OrderBy } from './compile.ts';
import { isPlainObject } from './compile.ts';
import type { Entity } from './entity.ts';
import { ConfigurationError, NotFoundError, ValidationError, type ValidationIssue } from './errors.ts';
import type { WithSpec } from './loading.ts';
import { type AnyModel, type Insert, type ModelMeta, metaOf, type Update } from './model-meta.ts';
import type { Session } from './session.ts';
import type { WriteResult } from './write-result.ts';

/** One page of results (`paginate`). */
export interface Page<T> {
  readonly items: T[];
  /** Rows matching the filters, over all pages. */
  readonly total: number;
  /** 1-based page number. */
  readonly page: number;
  readonly pageSize: number;
  /** Number of pages (0 when nothing matches). */
  readonly pages: number;
}

/** Relationships to load with the objects a DAO method returns (one statement per level, see `Query.with`). */
export interface WithOption<M extends AnyModel> {
  readonly with?: WithSpec<InstanceType<M>>;
}

/**
 * The options object of a DAO call, checked before anything is read: `null`/`undefined` is none; anything but a
 * plain object, or a key the call does not take (`pagesize`, `mising`), is a `ValidationError` at that key,
 * never an option silently ignored.
 */
function daoOptions<O extends object>(call: string, opts: O | null | undefined, known: readonly string[]): O {
  if (opts === undefined || opts === null) return {} as O;
  if (!isPlainObject(opts)) throw new ValidationError(`invalid options for ${call}`, [{ path: [], message: 'expected an options object' }]);
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) issues.push({ path: [key], message: `unknown option (${call} takes ${known.join(', ')})` });
  }
  if (issues.length) throw new ValidationError(`invalid options for ${call}`, issues);
  return opts;
}

/** Options of `paginate`. */
export interface PaginateOptions<M> {
  /** Relationships to load with the page's objects. */
  // biome-ignore lint/suspicious/noExplicitAny: any model constructor
  readonly with?: M extends abstract new (...args: any[]) => infer E ? WithSpec<E> : never;
  /** 1-based page number (default 1). */
  readonly page?: number;
  /** Rows per page, 1–1000 (default 10, as the template). */
  readonly pageSize?: number;
  readonly filters?: Filters<M>;
  /** Sort order; `id` is always appended as the last key, so pages are stable. */
  readonly orderBy?: OrderBy<M>;
}

/** Options of `findAll`. */
export interface FindAllOptions<M> {
  /** Relationships to load with the objects. */
  // biome-ignore lint/suspicious/noExplicitAny: any model constructor
  readonly with?: M extends abstract new (...args: any[]) => infer E ? WithSpec<E> : never;
  /** Sort order; default `{ id: 'asc' }` (the template had none, so order was unspecified). */
  readonly orderBy?: OrderBy<M>;
  readonly limit?: number;
  readonly offset?: number;
}

/** Options of `findByIds`. */
export interface FindByIdsOptions<M = unknown> {
  /** Relationships to load with the objects. */
  // biome-ignore lint/suspicious/noExplicitAny: any model constructor
  readonly with?: M extends abstract new (...args: any[]) => infer E ? WithSpec<E> : never;
  /**
   * What to do with ids that have no row: `'skip'` (default, as the template) leaves them out;
   * `'error'` throws NotFoundError naming how many are missing.
   */
  readonly missing?: 'skip' | 'error';
}

/** A record for `bulkUpdate`: the row's id and the columns to set. */
export type BulkRecord<M> = { readonly id: number } & Update<M>;

/** The DAO class for a model; extend it: `class UserDAO extends BaseDAO(User) {}`. */
export interface BaseDAOClass<M extends AnyModel> {
  new (session: Session): DAO<M>;
  /** The model this DAO serves. */
  readonly model: M;
}

/** The instance side of a DAO (see {@link BaseDAO}). */
export interface DAO<M extends AnyModel> {
  readonly session: Session;
  readonly model: M;
  findOneOrNoneById(id: number, options?: WithOption<M>): Promise<InstanceType<M> | null>;
  findOneOrNone(filters: Filters<M>, options?: WithOption<M>): Promise<InstanceType<M> | null>;
  findAll(filters?: Filters<M>, options?: FindAllOptions<M>): Promise<InstanceType<M>[]>;
  add(values: Insert<M>): Promise<InstanceType<M>>;
  addMany(values: readonly Insert<M>[]): Promise<InstanceType<M>[]>;
  insertMany(values: readonly Insert<M>[]): Promise<WriteResult>;
  update(filters: Filters<M>, values: Update<M>, options?: { all?: boolean }): Promise<WriteResult>;
  delete(filters: Filters<M>, options?: { all?: boolean }): Promise<WriteResult>;
  count(filters?: Filters<M>): Promise<number>;
  paginate(options?: PaginateOptions<M>): Promise<Page<InstanceType<M>>>;
  findByIds(ids: readonly number[], options?: FindByIdsOptions<M>): Promise<InstanceType<M>[]>;
  upsert(uniqueFields: readonly (keyof Update<M> & string)[], values: Insert<M>): Promise<InstanceType<M>>;
  bulkUpdate(records: readonly BulkRecord<M>[]): Promise<WriteResult>;
}

/**
 * Creates the DAO base class for a model. Extend it (`class UserDAO extends BaseDAO(User) {}`) to add your own
 * queries next to the generic ones, and construct it with the session of the current unit of work.
 */
export function BaseDAO<M extends AnyModel>(model: M): BaseDAOClass<M> {
  const meta: ModelMeta = metaOf(model);
  type T = InstanceType<M>;

  class GenericDAO implements DAO<M> {
    static readonly model = model;
    readonly model = model;
    readonly session: Session;

    constructor(session: Session) {
      if (!session || typeof session.select !== 'function') throw new ConfigurationError(`new ${meta.name}DAO(session) needs a Session`);
      this.session = session;
    }

    /** The row with this id, or null (identity map first); `{ with }` loads relationships too. */
    findOneOrNoneById(id: number, options?: WithOption<M>): Promise<T | null> {
      // Not async without `with`: the session's promise is returned as is (no second frame and promise per
      // lookup, the hot path of a handler); the session rejects, never throws.
      if (options === undefined) return this.session.get(model, id) as Promise<T | null>;
      try {
        const { with: relations } = daoOptions('findOneOrNoneById', options, ['with']);
        if (relations === undefined) return this.session.get(model, id) as Promise<T | null>;
        return this.#findWith(id, relations);
      } catch (error) {
        return Promise.reject(error);
      }
    }

    /** Checks a `with` spec (every level, as a query does before sending), whether or not rows come back. */
    #checkWith(relations: unknown): void {
      this.session
        .select(model)
        .with(relations as never)
        .toSQL();
    }

    async #findWith(id: number, relations: NonNullable<WithOption<M>['with']>): Promise<T | null> {
      this.#checkWith(relations);
      const found = (await this.session.get(model, id)) as T | null;
      if (found !== null) await this.session.loadRelated([found as InstanceType<M>], relations);
      return found;
    }

    /** The only row matching the filters, or null; MultipleResultsError when several match. */
    findOneOrNone(filters: Filters<M>, opts?: WithOption<M>): Promise<T | null> {
      try {
        const options = daoOptions('findOneOrNone', opts, ['with']); // null as undefined, as for every options argument
        const q = this.session.select(model).where(filters);
        if (options.with !== undefined) q.with(options.with);
        return q.oneOrNull() as Promise<T | null>;
      } catch (error) {
        return Promise.reject(error); // a rejection, as for every DAO method, never a synchronous throw
      }
    }

    /** Every row matching the filters (all rows without filters), ordered by id unless told otherwise. */
    findAll(filters?: Filters<M>, opts?: FindAllOptions<M>): Promise<T[]> {
      try {
        const options = daoOptions('findAll', opts, ['with', 'orderBy', 'limit', 'offset']);
        const q = this.session.select(model);
        if (filters !== undefined) q.where(filters);
        q.orderBy(options.orderBy ?? ({ id: 'asc' } as OrderBy<M>));
        if (options.limit !== undefined) q.limit(options.limit);
        if (options.offset !== undefined) q.offset(options.offset);
        if (options.with !== undefined) q.with(options.with as never);
        return q.all() as Promise<T[]>;
      } catch (error) {
        return Promise.reject(error);
      }
    }

    /** Validates the values and queues the new row; the object gets its id and timestamps at commit. */
    add(values: Insert<M>): Promise<T> {
      // Settled promises rather than async functions for the write queue methods: they run once per row in
      // bulk handlers, and errors still arrive as rejections, never as synchronous throws.
      try {
        // biome-ignore lint/suspicious/noExplicitAny: constructing the user's model class
        const entity = new (model as any)(values) as T;
        this.session.add(entity as Entity);
        return Promise.resolve(entity);
      } catch (error) {
        return Promise.reject(error);
      }
    }

    /** Validates every value set first (issues are reported by index), then queues them all, or none. */
    async addMany(values: readonly Insert<M>[]): Promise<T[]> {
      if (!Array.isArray(values)) throw new ValidationError('addMany expects an array', [{ path: [], message: 'expected an array' }]);
      const issues: ValidationIssue[] = [];
      const out: T[] = [];
      // Each value is checked as add() checks it (the model's constructor), so the two accept and refuse the
      // same values; an index loop, not forEach, so a sparse array's hole is reported, not skipped.
      for (let i = 0; i < values.length; i++) {
        if (!(i in values)) {
          issues.push({ path: [i], message: 'a hole in the array (sparse array): expected a value object' });
          continue;
        }
        try {
          // biome-ignore lint/suspicious/noExplicitAny: constructing the user's model class
          out.push(new (model as any)(values[i]) as T);
        } catch (error) {
          // What the constructor checks is reported by index.
          if (!(error instanceof ValidationError)) throw error;
          issues.push(...error.issues.map((x) => ({ ...x, path: [i, ...x.path] })));
        }
      }
      if (issues.length) throw new ValidationError(`invalid values for ${meta.name}; nothing was added`, issues);
      this.session.addAll(out as Entity[]);
      return out;
    }

    /**
     * Bulk insert without building objects (no ids or timestamps read back): every row validated first, then
     * multi-row INSERTs in the unit of work. `rowsAffected` after commit. Use `addMany` when you need objects.
     */
    async insertMany(values: readonly Insert<M>[]): Promise<WriteResult> {
      return this.session.insertMany(model, values as never);
    }

    /**
     * Queues `UPDATE … WHERE filters` (refreshing updated_at); values may be `increment(n)` expressions. Empty
     * filters need `{ all: true }`. `rowsAffected` after commit.
     */
    update(filters: Filters<M>, values: Update<M>, options?: { all?: boolean }): Promise<WriteResult> {
      try {
        return Promise.resolve(this.session.updateWhere(model, filters, values, daoOptions('update', options, ['all'])));
      } catch (error) {
        return Promise.reject(error);
      }
    }

    /** Queues `DELETE … WHERE filters`; empty filters need `{ all: true }`. `rowsAffected` after commit. */
    delete(filters: Filters<M>, options?: { all?: boolean }): Promise<WriteResult> {
      try {
        return Promise.resolve(this.session.deleteWhere(model, filters, daoOptions('delete', options, ['all'])));
      } catch (error) {
        return Promise.reject(error);
      }
    }

    /** Rows matching the filters (all rows without filters). */
    count(filters?: Filters<M>): Promise<number> {
      try {
        const q = this.session.select(model);
        if (filters !== undefined) q.where(filters);
        return q.count();
      } catch (error) {
        return Promise.reject(error);
      }
    }

    /** One page, in a stable order (id is always the last sort key), with the total and the page count. */
    async paginate(opts?: PaginateOptions<M>): Promise<Page<T>> {
      const options = daoOptions('paginate', opts, ['with', 'page', 'pageSize', 'filters', 'orderBy']);
      const page = options.page ?? 1;
      const pageSize = options.pageSize ?? 10;
      const issues: ValidationIssue[] = [];
      if (!Number.isSafeInteger(page) || page < 1) issues.push({ path: ['page'], message: 'expected an integer ≥ 1' });
      if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
        issues.push({ path: ['pageSize'], message: 'expected an integer from 1 to 1000' });
      }
      // The page's offset, (page - 1) × pageSize, must be an exact integer too: a page past it is the page's fault.
      if (issues.length === 0 && !Number.isSafeInteger((page - 1) * pageSize)) {
        issues.push({ path: ['page'], message: `too large: (page - 1) × pageSize must be at most ${Number.MAX_SAFE_INTEGER}` });
      }
      if (issues.length) throw new ValidationError('invalid pagination', issues);
      const order = options.orderBy === undefined ? [] : Array.isArray(options.orderBy) ? options.orderBy : [options.orderBy];
      const hasId = order.some((o) => isPlainObject(o) && Object.hasOwn(o, 'id'));
      const orderBy = (hasId ? order : [...order, { id: 'asc' }]) as OrderBy<M>;
      const q = this.session.select(model);
      if (options.filters !== undefined) q.where(options.filters);
      if (options.with !== undefined) q.with(options.with as never);
      const [items, total] = await Promise.all([
        q
          .orderBy(orderBy)
          .limit(pageSize)
          .offset((page - 1) * pageSize)
          .all() as Promise<T[]>,
        this.count(options.filters),
      ]);
      return { items, total, page, pageSize, pages: Math.ceil(total / pageSize) };
    }

    /**
     * The rows with these ids, in the order of `ids` (a repeated id appears again). Any number of ids: the
     * list is bound as one JSON parameter, so D1's 100-parameter limit is never reached.
     */
    async findByIds(ids: readonly number[], opts?: FindByIdsOptions<M>): Promise<T[]> {
      const options = daoOptions('findByIds', opts, ['with', 'missing']);
      if (!Array.isArray(ids)) throw new ValidationError('findByIds expects an array of ids', [{ path: [], message: 'expected an array' }]);
      const issues: ValidationIssue[] = [];
      ids.forEach((id, i) => {
        if (typeof id !== 'number' || !Number.isSafeInteger(id)) issues.push({ path: [i], message: 'expected a safe integer id' });
      });
      if (options.missing !== undefined && options.missing !== 'skip' && options.missing !== 'error') {
        issues.push({ path: ['missing'], message: "expected 'skip' or 'error'" });
      }
      if (issues.length) throw new ValidationError(`invalid ids for ${meta.name}`, issues);
      // The options are checked whatever the ids and rows (an empty list included).
      if (options.with !== undefined) this.#checkWith(options.with);
      if (ids.length === 0) return [];
      const distinct = [...new Set(ids)];
      const q = this.session.select(model).where({ id: { in: distinct } } as Filters<M>);
      if (options.with !== undefined) q.with(options.with as never);
      const rows = (await q.all()) as T[];
      const byId = new Map<number, T>();
      for (const r of rows) byId.set((r as unknown as { id: number }).id, r);
      const out: T[] = [];
      for (const id of ids) {
        const r = byId.get(id);
        if (r) out.push(r);
      }
      if (options.missing === 'error' && out.length < ids.length) {
        // Each missing id counts once, however often it was asked for.
        const missing = distinct.filter((id) => !byId.has(id));
        const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', …' : '');
        throw new NotFoundError(`${missing.length} of ${distinct.length} ${meta.name} ids not found: ${shown}`);
      }
      return out;
    }

    /**
     * Atomic `INSERT … ON CONFLICT (uniqueFields) DO UPDATE`: inserts the row, or updates the existing row
     * with the same unique key (the template selected then wrote, which raced and could lose its filter).
     * `uniqueFields` must be a declared unique constraint.
     */
    async upsert(uniqueFields: readonly (keyof Update<M> & string)[], values: Insert<M>): Promise<T> {
      return this.session.upsert(model, values as never, { on: uniqueFields }) as T;
    }

    /**
     * Queues one `UPDATE … WHERE id = ?` per record, all in the session's unit of work (one atomic commit).
     * Every record is validated first; a record without a valid id is an error, not silently skipped.
     * `rowsAffected` (the total) after commit.
     */
    async bulkUpdate(records: readonly BulkRecord<M>[]): Promise<WriteResult> {
      return this.session.updateByIds(model, records);
    }
  }
  Object.defineProperty(GenericDAO, 'name', { value: `${meta.name}DAO` });
  return GenericDAO as unknown as BaseDAOClass<M>;
}
