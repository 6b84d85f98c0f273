/**
 * The session: a unit of work (the port of SQLAlchemy's `AsyncSession`). This module is the facade; the
 * rules live in `object-state.ts` (object states), `identity-map.ts`, `unit-of-work.ts` (plan and apply) and
 * `query.ts`.
 *
 * Writes — `add`, `delete`, changes to loaded objects, `updateWhere`, `deleteWhere`, `upsert`, `insertMany`,
 * `addStatement` — are validated when queued and again when planned, and `commit()` sends them to the
 * driver as ONE atomic batch: a native transaction on better-sqlite3 and sqlite-wasm, a single `batch()` on
 * D1, which has no BEGIN. Bad input anywhere in the unit of work is found before anything is sent, so
 * nothing at all is written; a post-condition that fails inside the batch (a row changed or deleted by
 * someone else) aborts it whole with `StaleDataError`.
 *
 * One commit at a time: a `commit()` (or `flush()`) called while another is in flight waits for it, then
 * sends only what is pending by then — never the same statement twice.
 *
 * Reads run at once. They do not see the session's own pending writes until `commit()` (there is no
 * autoflush: D1 could not give it atomically). Inside `engine.transaction()`, `flush()` sends writes early.
 */

import { encodeBulkRow, jsonInserts } from './bulk-insert.ts';
import { sameAsStored } from './codec.ts';
import {
  canInsertJson,
  compileWhere,
  type Filters,
  insertChunks,
  insertManySql,
  isPlainObject,
  matchesEveryRow,
  selectByIdSql,
  versionsByIdsSql,
} from './compile.ts';
import type { DriverCapabilities, DriverLimits, Executor, SqlValue, Statement, StatementResult } from './driver.ts';
import { ENTITY_FLAGS, Entity, entityState, loadEntity } from './entity.ts';
import {
  CommitOutcomeUnknownError,
  ConfigurationError,
  ForeignKeyConstraintError,
  isDaoError,
  NotFoundError,
  SessionClosedError,
  StaleDataError,
  StateError,
  UnitAlreadyAppliedError,
  ValidationError,
  type ValidationIssue,
} from './errors.ts';
import { compileWith, lazyLoad, loadNodes, type WithNode, type WithSpec } from './loading.ts';
import { type AnyModel, type ColumnMeta, type Insert, type ModelMeta, metaOf, type Row, type Update } from './model-meta.ts';
import { hasFlag, setFlag, transition } from './object-state.ts';
import { ProjectionQuery, Query, type QueryRunner } from './query.ts';
import { type RowSchema, rowsWithSchema, wantsBigints } from './raw-rows.ts';
import { joinGroup, RELATION_HOST, type RelationHost, type RelationMeta, relationsOf, slotOf, unload } from './relations.ts';
import { newRowEncoder } from './row-encoder.ts';
import { staleDataError } from './runtime-driver.ts';
import { isSqlQuery, rawStatement, type SqlQuery } from './sql.ts';
import type { UnitLog } from './unit-log.ts';
import { type Plan, staleCandidates, UnitOfWork } from './unit-of-work.ts';
import { queueSimpleUpdate, queueUpdate, whereShapeOf } from './update-queue.ts';
import { checkId, type EncodedUpdate, encodeColumn, encodeUpdate, throwIfIssues } from './validate.ts';
import { WriteResult } from './write-result.ts';

declare global {
  // `Engine` and `Session` are async-disposable (`await using`), so their declarations name
  // `Symbol.asyncDispose`. Declared the way @types/node does, so an app whose `lib` predates `esnext.disposable`
  // (e.g. Vite's ES2022 + DOM template) still type-checks litedao's declarations; the runtime symbol is the
  // platform's (Node 20+, workerd, current browsers). Here, beside `Session`, not in index.ts: every entry point
  // that names a `Session` or an `Engine` (engine.ts imports this file) loads it, `@litedao/core/hono` included.
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

export { WriteResult } from './write-result.ts';

/**
 * What a session needs from its engine: a narrow context instead of the engine itself, so the session does
 * not import the engine (the engine makes sessions, not the other way round).
 */
export interface SessionContext {
  /** Where statements go: the engine (auto-commit, atomic batches) or an open transaction's handle. */
  readonly executor: Executor;
  /**
   * Runs a read the session built synchronously when the engine can (an in-process driver, no transaction
   * holding the connection); `undefined` means "await `executor.execute` instead".
   */
  readonly readNow?: ((statement: Statement) => StatementResult | undefined) | undefined;
  readonly limits: DriverLimits;
  readonly capabilities: DriverCapabilities;
  /** True for the session of `engine.transaction()`: `flush()` is available. */
  readonly inTransaction: boolean;
  /** True once the engine is closed (or the transaction ended). */
  isClosed(): boolean;
  /** The adapter's read-replication bookmark (D1 sessions), or null. */
  bookmark(): string | null;
  /** The engine's unit log, when units carry ids (see `unit-log.ts`). */
  readonly units: UnitLog | undefined;
  /** Executor for looking a unit id up after an unknown outcome (outside any transaction). */
  readonly lookup: Executor;
}

/** Rows of a raw query, as objects keyed by column name (typed `T` when given, checked when a schema is). */
export interface RawResult<T = Record<string, SqlValue>> {
  readonly rows: T[];
  readonly changes: number;
  readonly lastInsertRowid: number | bigint | undefined;
}

/** Options of {@link Session.execute}. */
export interface ExecuteOptions<S extends RowSchema = RowSchema> {
  /**
   * A zod object schema for each row: values are converted first as litedao reads columns (timestamp text →
   * `Date` for `z.date()` fields, 0/1 → booleans, integers → `bigint`, JSON text → values for object and
   * array fields), then validated; a row that does not fit is a `DataIntegrityError` naming the field.
   */
  readonly schema?: S;
}

/** Modes of {@link Session.deleteWhere} and {@link Session.updateWhere}. */
export interface DeleteOptions {
  /** Required with filters that match every row (empty, or always true such as `{ id: { notIn: [] } }`), i.e. to touch every row of the table. */
  readonly all?: boolean;
}

/** Options of {@link Session.upsert}. */
export interface UpsertOptions<M> {
  /** The conflict target: the columns of a declared unique constraint. */
  readonly on: readonly (keyof Update<M> & string)[];
  /** Columns to overwrite when the row exists; default: every given column outside the conflict target. */
  readonly update?: readonly (keyof Update<M> & string)[];
}

const asRecord = (e: Entity) => e as unknown as Record<string, unknown>;

function toId(raw: SqlValue | undefined): number {
  return typeof raw === 'bigint' ? Number(raw) : (raw as number);
}

/** A unit of work. Get one from a session maker: `await using session = Session();`. */
export class Session implements QueryRunner {
  /** @internal What relationship accessors of this session's objects use (relations.ts). */
  readonly [RELATION_HOST]: RelationHost = {
    findMapped: (meta, id) => {
      const e = this.#uow.identity.get(meta, id);
      return e !== undefined && !hasFlag(e, ENTITY_FLAGS.expired) && entityState.state(e) !== 'deleted' ? e : undefined;
    },
    lazyLoad: (entity, rel) => {
      try {
        this.#checkOpen();
      } catch (error) {
        return Promise.reject(error);
      }
      return lazyLoad(this.#loaderHost, this, entity, rel, (meta, id) => this[RELATION_HOST].findMapped(meta, id));
    },
    holders: (child, rel) => {
      const out: Entity[] = [];
      const holds = (e: Entity) => {
        const v = slotOf(e, rel.name)?.value;
        if (v === child || (Array.isArray(v) && v.includes(child))) out.push(e);
      };
      const map = this.#uow.identity.of(rel.owner);
      for (const e of map.values()) holds(e);
      for (const e of this.#uow.pendingNew) if (e instanceof rel.owner.cls && !out.includes(e)) holds(e);
      // New objects reached only through a relationship (pushed into a collection, never added) join the
      // session at commit: walk to them, so an assignment also takes the object out of their collections.
      for (const e of this.#reachedNew()) if (e instanceof rel.owner.cls && !out.includes(e)) holds(e);
      return out;
    },
  };
  /** Transient objects reachable through the loaded relationships of the session's objects (loaded and new). */
  #reachedNew(): Entity[] {
    const found: Entity[] = [];
    const seen = new Set<Entity>();
    const walk = (e: Entity) => {
      const slots = entityState.rel(e)?.slots;
      if (slots === undefined) return;
      for (const slot of slots.values()) {
        const v = slot.value;
        if (Array.isArray(v)) for (const x of v) reach(x as Entity);
        else if (v !== null && v !== undefined) reach(v as Entity);
      }
    };
    const reach = (x: Entity) => {
      if (seen.has(x) || entityState.state(x) !== 'transient') return;
      seen.add(x);
      found.push(x);
      walk(x);
    };
    this.#uow.identity.forEach(walk);
    for (const e of this.#uow.pendingNew) walk(e);
    return found;
  }

  readonly #loaderHost = {
    execute: (statement: Statement) => {
      this.#checkOpen();
      return this.#committing === 0
        ? this.#ctx.executor.execute(statement)
        : this.#afterCommit(() => this.#ctx.executor.execute(statement));
    },
    loadRow: (meta: ModelMeta, raw: readonly SqlValue[]): Entity | undefined => {
      const e = this.#load(meta, meta.loadClass, raw);
      return entityState.state(e) === 'deleted' ? undefined : e;
    },
  };
  readonly #ctx: SessionContext;
  readonly #uow: UnitOfWork;
  #closed = false;
  /** The commit in flight (or the last one), so the next one starts after it. */
  #chain: Promise<void> = Promise.resolve();
  /**
   * Commits called and not yet settled. While one is in flight, reads wait for it: its rows may already be in
   * the database before its objects carry their ids, and a read then would load a second object for one row.
   */
  #committing = 0;
  /** The id of the unit being committed, kept across an unknown outcome so a retry applies it at most once. */
  #unitId: string | undefined;

  /** @internal Use a session maker, or `engine.transaction()`. */
  constructor(context: SessionContext) {
    this.#ctx = context;
    this.#uow = new UnitOfWork(this, context.limits, context.inTransaction, context.capabilities.countByReturning);
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True when the session has queued operations (changes to loaded objects are found at commit). */
  get hasPendingWrites(): boolean {
    return this.#uow.hasQueuedWork;
  }

  /** @internal The adapter's limits, for compiling queries. */
  get limits(): DriverLimits {
    return this.#ctx.limits;
  }

  /** The read-replication bookmark after the last commit (D1 sessions), or null where the adapter has none. */
  get bookmark(): string | null {
    return this.#ctx.bookmark();
  }

  #checkOpen(): void {
    if (this.#closed) throw new SessionClosedError('the session is closed; open a new one from the session maker');
    if (this.#ctx.isClosed()) {
      throw new SessionClosedError(
        this.#ctx.inTransaction ? 'the transaction of this session has ended' : 'the engine of this session is closed',
      );
    }
  }

  #entityMeta(entity: unknown, what: string): ModelMeta {
    if (!(entity instanceof Entity))
      throw new ValidationError(`${what} expects a model instance`, [{ path: [], message: 'not a model instance' }]);
    return metaOf(entity.constructor);
  }

  // ---------------------------------------------------------------------------------------------------
  // objects

  /**
   * Adds a new object (inserted at commit), attaches a detached one (its changes are tracked), or restores an
   * object whose deletion is pending in this session (the deletion is cancelled).
   */
  add(entity: Entity): void {
    this.#checkOpen();
    const meta = this.#entityMeta(entity, 'add()');
    const uow = this.#uow;
    const owner = entityState.owner(entity);
    if (owner !== undefined && owner !== this) throw new StateError(`this ${meta.name} belongs to another open session`);
    switch (entityState.state(entity)) {
      case 'pending':
      case 'persistent':
        return;
      case 'deleted': {
        uow.assertNotInFlight(entity, 'add()');
        uow.ops = uow.ops.filter((op) => !(op.kind === 'delete' && op.entity === entity));
        uow.pendingDelete.delete(entity);
        transition(entity, 'persistent', this);
        return;
      }
      case 'detached': {
        if (hasFlag(entity, ENTITY_FLAGS.rowDeleted)) {
          throw new StateError(`this ${meta.name}'s row was deleted; insert a copy instead: new ${meta.name}(values)`);
        }
        const id = toId((entity as unknown as { id: number }).id);
        const current = uow.identity.get(meta, id);
        if (current && current !== entity) throw new StateError(`another ${meta.name} with id ${id} is already in this session`);
        uow.identity.set(meta, id, entity);
        transition(entity, 'persistent', this);
        return;
      }
      case 'transient':
        transition(entity, 'pending', this);
        uow.pendingNew.added(entity, meta);
        uow.ops.push({ kind: 'insert', entity, meta });
    }
  }

  /** Adds several objects, in order. */
  addAll(entities: Iterable<Entity>): void {
    for (const e of entities) this.add(e);
  }

  /** Marks a loaded object for deletion at commit (or cancels the pending insert of a new one). */
  delete(entity: Entity): void {
    this.#checkOpen();
    const meta = this.#entityMeta(entity, 'delete()');
    const uow = this.#uow;
    const state = entityState.state(entity);
    if (state === 'pending' && entityState.owner(entity) === this) {
      uow.assertNotInFlight(entity, 'delete()');
      uow.pendingNew.delete(entity);
      uow.ops = uow.ops.filter((op) => !((op.kind === 'insert' || op.kind === 'upsert') && op.entity === entity));
      transition(entity, 'transient');
      return;
    }
    if (state === 'deleted' && entityState.owner(entity) === this) return;
    if (state !== 'persistent' || entityState.owner(entity) !== this) {
      throw new StateError(`delete() needs a ${meta.name} loaded in this session (this one is ${state})`);
    }
    uow.pendingDelete.add(entity);
    transition(entity, 'deleted', this);
    uow.ops.push({ kind: 'delete', entity, meta });
  }

  /**
   * Marks a loaded object's values as possibly stale: the next `get`/query of its row overwrites them, and
   * its unsaved changes are not written. Use after raw SQL changed its row.
   */
  expire(entity: Entity): void {
    this.#checkOpen();
    this.#entityMeta(entity, 'expire()');
    if (entityState.owner(entity) !== this) throw new StateError('expire() needs an object of this session');
    setFlag(entity, ENTITY_FLAGS.expired, true);
  }

  /** {@link expire} for every object of the session. */
  expireAll(): void {
    this.#checkOpen();
    this.#uow.identity.forEach((e) => {
      setFlag(e, ENTITY_FLAGS.expired, true);
    });
  }

  /**
   * Reloads a persistent object's values from its row now, discarding unsaved changes. `NotFoundError` (and the
   * object is detached) when the row is gone.
   */
  async refresh(entity: Entity): Promise<void> {
    this.#checkOpen();
    const meta = this.#entityMeta(entity, 'refresh()');
    if (entityState.owner(entity) !== this || entityState.state(entity) !== 'persistent') {
      throw new StateError(`refresh() needs a persistent ${meta.name} of this session`);
    }
    if (this.#committing !== 0) return this.#afterCommit(() => this.refresh(entity));
    const id = toId(asRecord(entity).id as number);
    const res = await this.#ctx.executor.execute(this.#byIdStatement(meta, id));
    const raw = res.rows[0];
    if (!raw) {
      for (const e of this.#uow.identity.remove(meta, id)) {
        transition(e, 'detached');
        setFlag(e, ENTITY_FLAGS.rowDeleted, true);
      }
      throw new NotFoundError(`${meta.name} with id ${id} no longer exists`);
    }
    for (const e of this.#uow.identity.withAliases(entity)) this.#overwrite(e, meta, raw);
  }

  /** Overwrites an object's values and snapshot from a stored row. Decoding errors propagate (this is a read). */
  #overwrite(e: Entity, meta: ModelMeta, raw: readonly SqlValue[]): void {
    meta.assign(asRecord(e), raw);
    entityState.setSnapshot(e, raw as SqlValue[]);
    setFlag(e, ENTITY_FLAGS.expired, false);
    if (meta.relationDecls.size > 0) forgetStaleReferences(e, meta);
  }

  // ---------------------------------------------------------------------------------------------------
  // reads

  #byIdStatement(meta: ModelMeta, id: number): Statement {
    return {
      sql: selectByIdSql(meta),
      params: [id],
      returnsRows: true,
      columns: meta.columnNames,
      readOnly: true,
      single: true,
    };
  }

  /** Loads a row by primary key (identity map first), or null. */
  get<M extends AnyModel>(model: M, id: number): Promise<InstanceType<M> | null> {
    // Not an async function: on the synchronous path (an in-process driver, see `SessionContext.readNow`) the
    // lookup is one resolved promise, without the frame an async function allocates per call.
    let statement: Statement;
    let meta: ModelMeta;
    try {
      this.#checkOpen();
      meta = metaOf(model);
      checkId(id, meta.name);
      const known = this.#uow.identity.get(meta, id);
      if (known && !hasFlag(known, ENTITY_FLAGS.expired)) {
        return Promise.resolve(entityState.state(known) === 'deleted' ? null : (known as InstanceType<M>));
      }
      if (this.#committing !== 0) return this.#afterCommit(() => this.get(model, id));
      statement = this.#byIdStatement(meta, id);
      const res = this.#ctx.readNow?.(statement);
      if (res !== undefined) return Promise.resolve(this.#loaded(meta, model, res) as InstanceType<M> | null);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#getAsync(meta, model, statement) as Promise<InstanceType<M> | null>;
  }

  /** Runs `read` once the commits in flight have settled (see `#committing`). */
  async #afterCommit<T>(read: () => Promise<T>): Promise<T> {
    while (this.#committing !== 0) await this.#chain;
    return read();
  }

  async #getAsync(meta: ModelMeta, model: AnyModel, statement: Statement): Promise<Entity | null> {
    return this.#loaded(meta, model, await this.#ctx.executor.execute(statement));
  }

  /** The object of a lookup's result, or null (no row, or its deletion is pending in this session). */
  #loaded(meta: ModelMeta, model: AnyModel, res: StatementResult): Entity | null {
    const row = res.rows[0];
    if (!row) return null;
    const e = this.#load(meta, model, row);
    return entityState.state(e) === 'deleted' ? null : e;
  }

  /** Like {@link get}, but throws NotFoundError when the row does not exist. */
  async getOrThrow<M extends AnyModel>(model: M, id: number): Promise<InstanceType<M>> {
    const e = await this.get(model, id);
    if (!e) throw new NotFoundError(`${metaOf(model).name} with id ${id} not found`);
    return e;
  }

  /**
   * Starts a query on a model: `session.select(User).where({ … }).orderBy({ id: 'asc' }).all()`. With a list
   * of columns, the query returns plain objects of those columns, not tracked by the session:
   * `session.select(User, ['id', 'username'])`.
   */
  select<M extends AnyModel>(model: M): Query<M>;
  select<M extends AnyModel, const K extends keyof Row<M> & string>(model: M, columns: readonly K[]): ProjectionQuery<M, Pick<Row<M>, K>>;
  select<M extends AnyModel>(model: M, columns?: readonly string[]): Query<M> | ProjectionQuery<M, unknown> {
    this.#checkOpen();
    if (columns !== undefined) return new ProjectionQuery<M, unknown>(this, metaOf(model), columns);
    return new Query<M>(this, model, metaOf(model));
  }

  /**
   * Loads relationships onto objects already loaded in this session (as `select(M).with(spec)` would have):
   * one statement per relationship level for all of them. Relationships the caller changed and has not
   * committed are left as they are.
   */
  async loadRelated<E extends Entity>(objects: readonly E[], spec: WithSpec<E>): Promise<void> {
    this.#checkOpen();
    if (!Array.isArray(objects))
      throw new ValidationError('loadRelated expects an array of objects', [{ path: [], message: 'expected an array' }]);
    if (objects.length === 0) return;
    const first = objects[0] as Entity;
    const meta = this.#entityMeta(first, 'loadRelated()');
    for (const o of objects) {
      if (!(o instanceof Entity) || o.constructor !== first.constructor) {
        throw new ValidationError('loadRelated expects objects of one model', [{ path: [], message: 'mixed models' }]);
      }
      if (entityState.owner(o) !== this) throw new StateError(`loadRelated() needs ${meta.name} objects of this session`);
    }
    const nodes = compileWith(meta, spec, this.#ctx.limits);
    await loadNodes(this.#loaderHost, objects, nodes);
  }

  /** @internal Ids of the model's objects whose deletion is pending here (see `QueryRunner.pendingDeletions`). */
  pendingDeletions(meta: ModelMeta): readonly number[] | undefined {
    const pending = this.#uow.pendingDelete;
    if (pending.size === 0) return undefined;
    const ids: number[] = [];
    for (const e of pending) {
      if (entityState.state(e) !== 'deleted' || metaOf(e.constructor as AnyModel) !== meta) continue;
      const id = asRecord(e).id;
      if (typeof id === 'number') ids.push(id);
    }
    return ids.length > 0 ? ids : undefined;
  }

  /** @internal Runs a select, loads its rows through the identity map, then the relationships asked for. */
  async runSelect(meta: ModelMeta, model: AnyModel, statement: Statement, withNodes?: readonly WithNode[]): Promise<Entity[]> {
    this.#checkOpen();
    if (this.#committing !== 0) return this.#afterCommit(() => this.runSelect(meta, model, statement, withNodes));
    const res = this.#ctx.readNow?.(statement) ?? (await this.#ctx.executor.execute(statement));
    const rows = res.rows;
    const n = rows.length;
    let out: Entity[] = new Array(n);
    const map = this.#uow.identity.of(meta);
    let deleted = false;
    for (let i = 0; i < n; i++) {
      const raw = rows[i] as readonly SqlValue[];
      const id = toId(raw[0] ?? null);
      const known = map.get(id);
      if (known === undefined) {
        // A row no object of the session holds: a new persistent object (the common case, no further checks).
        const e = loadEntity(model, raw as SqlValue[], this);
        map.set(id, e);
        out[i] = e;
        continue;
      }
      this.#refreshKnown(meta, known, raw);
      if (entityState.state(known) === 'deleted') deleted = true;
      out[i] = known;
    }
    if (deleted) out = out.filter((e) => entityState.state(e) !== 'deleted');
    // Objects read together are loaded together: a lazy relationship load on one serves them all.
    if (meta.relationDecls.size > 0 && out.length > 1) joinGroup(out.slice());
    if (withNodes !== undefined && withNodes.length > 0 && out.length > 0) await loadNodes(this.#loaderHost, out, withNodes);
    return out;
  }

  /** @internal Runs a statement of plain rows (projections, aggregates). */
  async runRows(statement: Statement): Promise<readonly (readonly SqlValue[])[]> {
    this.#checkOpen();
    if (this.#committing !== 0) return this.#afterCommit(() => this.runRows(statement));
    return (await this.#ctx.executor.execute(statement)).rows;
  }

  /** @internal Runs a count. */
  async runCount(statement: Statement): Promise<number> {
    this.#checkOpen();
    if (this.#committing !== 0) return this.#afterCommit(() => this.runCount(statement));
    const res = this.#ctx.readNow?.(statement) ?? (await this.#ctx.executor.execute(statement));
    return toId(res.rows[0]?.[0] ?? 0);
  }

  /**
   * The object for a stored row: the mapped one (its values refreshed when it has no unsaved changes or is
   * expired — see identity-map.ts), or a new persistent one.
   */
  #load(meta: ModelMeta, model: AnyModel, raw: readonly SqlValue[]): Entity {
    const id = toId(raw[0] ?? null);
    const map = this.#uow.identity.of(meta);
    const known = map.get(id);
    if (known === undefined) {
      const e = loadEntity(model, raw as SqlValue[], this);
      map.set(id, e);
      return e;
    }
    this.#refreshKnown(meta, known, raw);
    return known;
  }

  /**
   * A stored row of an object the session already holds: each object of the row (the canonical one and any
   * aliases) is refreshed on its own — one with unsaved changes keeps them.
   */
  #refreshKnown(meta: ModelMeta, known: Entity, raw: readonly SqlValue[]): void {
    for (const e of this.#uow.identity.withAliases(known)) {
      // An object whose deletion is pending keeps the version it was read at: deleting a row someone changed
      // since must fail, not silently win.
      if (entityState.state(e) === 'deleted') continue;
      const snap = entityState.snapshot(e);
      const expired = hasFlag(e, ENTITY_FLAGS.expired);
      if (snap && sameRow(snap, raw)) {
        if (expired) this.#overwrite(e, meta, raw);
      } else if (expired || (snap && isClean(meta, e, snap))) {
        this.#overwrite(e, meta, raw);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // queued writes

  /**
   * Queues `UPDATE … SET values, updated_at WHERE filters` (the DAO's `update`). Values and filters are
   * validated now; values may be {@link increment} expressions. Empty filters are refused unless
   * `{ all: true }`. The row count is in the returned result after commit, and loaded objects it changed
   * get the new values.
   */
  updateWhere<M extends AnyModel>(model: M, filters: Filters<M>, values: Update<M>, options?: DeleteOptions): WriteResult {
    this.#checkOpen();
    const meta = metaOf(model);
    const ops = this.#uow.ops;
    // The common call (one column equal to a value, plain values) without the general path's objects.
    const simple = queueSimpleUpdate(ops, meta, filters, values);
    if (simple !== undefined) return simple;
    const where = compileWhere(meta, filters, this.#ctx.limits);
    if ((where.sql === '' || matchesEveryRow(filters)) && options?.all !== true) {
      throw new ValidationError(`refusing to update every ${meta.name}`, [
        { path: [], message: 'filters that match every row (empty or always true); pass { all: true } to update every row' },
      ]);
    }
    const issues: ValidationIssue[] = [];
    const update = encodeUpdate(meta, values, issues, []);
    throwIfIssues(issues, `invalid values for ${meta.name}`);
    return queueUpdate(ops, meta, update.shape, update.params, whereShapeOf(meta, where.key, where.sql), where.params);
  }

  /**
   * @internal Queues one UPDATE by id per record, validating every record first: one bad record means nothing
   * is queued (the DAO's `bulkUpdate`).
   */
  updateByIds<M extends AnyModel>(model: M, records: readonly unknown[]): WriteResult {
    this.#checkOpen();
    const meta = metaOf(model);
    if (!Array.isArray(records)) throw new ValidationError('bulkUpdate expects an array', [{ path: [], message: 'expected an array' }]);
    const issues: ValidationIssue[] = [];
    const prepared: [EncodedUpdate, ReturnType<typeof compileWhere>][] = [];
    // An index loop, not forEach: a hole in a sparse array is a missing record, not one to skip.
    for (let i = 0; i < records.length; i++) {
      const rec = records[i];
      if (!isPlainObject(rec)) {
        issues.push({ path: [i], message: 'expected a plain object' });
        continue;
      }
      const { id, ...values } = rec;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
        issues.push({ path: [i, 'id'], message: 'expected a safe integer id' });
        continue;
      }
      const update = encodeUpdate(meta, values, issues, [i]);
      prepared.push([update, compileWhere(meta, { id }, this.#ctx.limits)]);
    }
    throwIfIssues(issues, `invalid records for ${meta.name}; nothing was queued`);
    const ops = this.#uow.ops;
    return WriteResult.combine(
      prepared.map(([update, where]) =>
        queueUpdate(ops, meta, update.shape, update.params, whereShapeOf(meta, where.key, where.sql), where.params),
      ),
    );
  }

  /**
   * Queues a bulk insert of plain rows: validated now (issues reported by row index, nothing queued if any row
   * is bad), sent at commit as multi-row INSERTs chunked under the parameter limit, inside the same atomic
   * batch. No objects are built and nothing is read back, so it costs what a hand-written multi-row INSERT
   * does; use `add`/`addAll` when you need the rows' ids and timestamps. The row count is in the result.
   */
  insertMany<M extends AnyModel>(model: M, rows: readonly Insert<M>[]): WriteResult {
    this.#checkOpen();
    const meta = metaOf(model);
    if (!Array.isArray(rows))
      throw new ValidationError(`insertMany expects an array of ${meta.name} values`, [{ path: [], message: 'expected an array' }]);
    const width = meta.userColumns.length;
    const issues: ValidationIssue[] = [];
    const fast = newRowEncoder(meta);
    let statements: Statement[];
    let counts: number[];
    if (this.#ctx.capabilities.bulkJson === true && canInsertJson(meta)) {
      // Each row in an array of its own: the chunks are cut by the size of their JSON text afterwards.
      const encoded: SqlValue[][] = new Array(rows.length);
      for (let k = 0; k < rows.length; k++) {
        const out: SqlValue[] = new Array(width);
        encodeBulkRow(meta, fast, rows[k], out, 0, k, issues);
        encoded[k] = out;
      }
      throwIfIssues(issues, `invalid rows for ${meta.name}; nothing was queued`);
      ({ statements, counts } = jsonInserts(meta, encoded, this.#ctx.limits));
    } else {
      // Each chunk's values are encoded straight into its own array: one array for every row would pass ~16k
      // elements, where V8 makes it a slow dictionary-mode array (and slicing it costs as much again).
      counts = insertChunks(rows.length, width, this.#ctx.limits, `insert into ${meta.tableName}`);
      statements = new Array(counts.length);
      let k = 0;
      for (let s = 0; s < counts.length; s++) {
        const size = counts[s] as number;
        const params: SqlValue[] = new Array(size * width);
        for (let r = 0; r < size; r++, k++) encodeBulkRow(meta, fast, rows[k], params, r * width, k, issues);
        statements[s] = { sql: insertManySql(meta, size), params, returnsRows: false };
      }
      throwIfIssues(issues, `invalid rows for ${meta.name}; nothing was queued`);
    }
    const result = new WriteResult();
    if (statements.length) this.#uow.ops.push({ kind: 'bulk', meta, statements, counts, result });
    else WriteResult.settle(result, 0);
    return result;
  }

  /**
   * Queues `DELETE … WHERE filters`. Empty filters are refused unless `{ all: true }` is passed, so a filter
   * object that lost its keys cannot empty a table. Loaded objects it deleted leave the session at commit.
   */
  deleteWhere<M extends AnyModel>(model: M, filters: Filters<M>, options?: DeleteOptions): WriteResult {
    this.#checkOpen();
    const meta = metaOf(model);
    const where = compileWhere(meta, filters, this.#ctx.limits);
    if ((where.sql === '' || matchesEveryRow(filters)) && options?.all !== true) {
      throw new ValidationError(`refusing to delete every ${meta.name}`, [
        { path: [], message: 'filters that match every row (empty or always true); pass { all: true } to delete every row' },
      ]);
    }
    const result = new WriteResult();
    this.#uow.ops.push({ kind: 'deleteWhere', meta, where, result });
    return result;
  }

  /**
   * Queues an atomic upsert: `INSERT … ON CONFLICT (on) DO UPDATE`, on a declared unique key. Returns the
   * object, whose columns (id included) are filled from the stored row at commit. The conflict key's values
   * must be given and not null (SQLite never sees NULLs as conflicting, so the row would be inserted again).
   * On conflict it updates the columns given (or `update`); a key whose value is `undefined` is not given, so
   * it leaves the stored value (a new row gets the column's default).
   */
  upsert<M extends AnyModel>(model: M, values: Insert<M>, options: UpsertOptions<M>): InstanceType<M> {
    this.#checkOpen();
    const meta = metaOf(model);
    const target = options?.on;
    if (!Array.isArray(target) || target.length === 0 || !Array.from(target).every((k) => typeof k === 'string')) {
      throw new ConfigurationError('upsert needs { on: [unique columns] } (column names as strings)');
    }
    const issues: ValidationIssue[] = [];
    if (new Set(target).size !== target.length) issues.push({ path: ['on'], message: 'a conflict column is listed twice' });
    const wanted = [...new Set(target)].sort().join(',');
    if (!meta.uniqueSets.some((s) => [...s].sort().join(',') === wanted)) {
      throw new ConfigurationError(`upsert on (${target.join(', ')}): ${meta.name} declares no such unique constraint`);
    }
    // biome-ignore lint/suspicious/noExplicitAny: constructing the user's model class
    const entity = new (model as any)(values) as Entity;
    for (const k of target) {
      if (asRecord(entity)[k] === null)
        issues.push({ path: [k], message: 'a conflict key must not be null (NULLs never conflict, so it would insert a duplicate)' });
    }
    // A key whose value is `undefined` is not given (as in updateWhere): on conflict it leaves the stored value.
    const given = Object.keys(values as object).filter((k) => (values as Record<string, unknown>)[k] !== undefined);
    const updateNames = options.update ?? given.filter((k) => !target.includes(k as never));
    if (options.update !== undefined && !Array.isArray(options.update))
      issues.push({ path: ['update'], message: 'expected an array of columns' });
    const updateCols: ColumnMeta[] = [];
    for (const n of updateNames) {
      const c = meta.byName.get(n);
      if (!c || c.managed) issues.push({ path: ['update', n], message: c ? 'managed by litedao' : 'unknown column' });
      else updateCols.push(c);
    }
    const params = meta.userColumns.map((c) => encodeColumn(c, asRecord(entity)[c.name], issues, []));
    throwIfIssues(issues, `invalid upsert for ${meta.name}`);
    transition(entity, 'pending', this);
    this.#uow.ops.push({ kind: 'upsert', entity, meta, params, target: target.slice(), updateCols });
    return entity as InstanceType<M>;
  }

  /**
   * Runs raw SQL from the `sql` tag at once and returns its rows as objects. One statement per call, and no
   * transaction control (`ValidationError`). Outside `engine.transaction()` a write here commits on its own,
   * outside the unit of work; use {@link addStatement} to make it part of it. Loaded objects do not see raw
   * writes: `expire()` or `refresh()` them.
   */
  async execute(query: SqlQuery): Promise<RawResult>;
  async execute<T>(query: SqlQuery): Promise<RawResult<T>>;
  async execute<S extends RowSchema>(query: SqlQuery, options: ExecuteOptions<S> & { schema: S }): Promise<RawResult<S['_zod']['output']>>;
  async execute(query: SqlQuery, options: ExecuteOptions = {}): Promise<RawResult<unknown>> {
    this.#checkOpen();
    if (!isSqlQuery(query))
      throw new ValidationError('execute() takes a query built with the sql tag', [{ path: [], message: 'not an sql`…` query' }]);
    const statement = rawStatement(query);
    // Integers are read exactly where the driver can (a number within ±(2^53 − 1), a bigint beyond, as every
    // adapter that reads int64 does), never rounded silently; a schema that wants bigints gets them all.
    const exact = this.#ctx.capabilities.bigint === true;
    const allBig = exact && options.schema !== undefined && wantsBigints(options.schema);
    const res = await this.#ctx.executor.execute(exact ? { ...statement, bigints: true } : statement);
    const cols = res.columns ?? [];
    const rows = res.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, rawValue(r[i] ?? null, allBig)])));
    return {
      rows: options.schema ? rowsWithSchema(options.schema, rows) : rows,
      changes: res.changes,
      lastInsertRowid: res.lastInsertRowid,
    };
  }

  /** Queues a raw write (from the `sql` tag) into the unit of work; its row count is known after commit. */
  addStatement(query: SqlQuery): WriteResult {
    this.#checkOpen();
    if (!isSqlQuery(query))
      throw new ValidationError('addStatement() takes a query built with the sql tag', [{ path: [], message: 'not an sql`…` query' }]);
    const result = new WriteResult();
    this.#uow.ops.push({ kind: 'raw', statement: rawStatement(query), result });
    return result;
  }

  // ---------------------------------------------------------------------------------------------------
  // commit, flush, rollback, close

  /**
   * Sends the unit of work as one atomic batch. On success, objects carry their database values and the
   * session is empty; on failure nothing was written, objects are as they were, the error is a litedao error,
   * and the pending work is kept (call `rollback()` to discard it). Inside `engine.transaction()`, the same as
   * {@link flush}. The unit is taken when `commit()` is called: changes made after the call (and a `rollback()`)
   * do not alter what it sends. A second call while one is in flight waits for it, then sends what is pending by
   * then. Reads of this session started while a commit is in flight run after it has settled, so they see its
   * objects with their ids.
   */
  commit(): Promise<void> {
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    // With no commit in flight the unit is planned and taken now, before this call returns: a rollback() (or a
    // change) made right after it cannot empty or alter what this commit sends. One in flight: it goes after.
    const next = () => this.#commitNow();
    const run = this.#committing === 0 ? this.#commitNow() : this.#chain.then(next, next);
    this.#committing++;
    const settled = () => {
      this.#committing--;
    };
    this.#chain = run.then(settled, settled);
    return run;
  }

  async #commitNow(): Promise<void> {
    this.#checkOpen();
    const uow = this.#uow;
    const plan = uow.plan();
    if (plan.statements.length === 0) {
      // Nothing to send, but the objects may still need to follow (a relationship change the database already
      // holds, e.g. a reference assigned and then undone through the collection): the steps run without results.
      uow.take(plan);
      uow.apply(plan, [], 0);
      return;
    }
    const units = this.#ctx.units;
    if (units && this.#unitId === undefined) this.#unitId = units.newId();
    const unitId = units ? this.#unitId : undefined;
    const prefix = units && unitId ? units.statements(unitId) : [];
    const statements = prefix.length ? [...prefix, ...plan.statements] : plan.statements;
    uow.take(plan);
    const discards = uow.discards;
    let results: Awaited<ReturnType<Executor['batch']>>;
    let offset = prefix.length;
    try {
      try {
        results = await this.#ctx.executor.batch(statements);
      } catch (error) {
        // The unit log's table does not exist yet: nothing was written, send the batch again creating it.
        if (!units?.isMissingTable(error)) throw error;
        results = await this.#ctx.executor.batch([units.createStatement(), ...statements]);
        offset++;
      }
    } catch (error) {
      uow.restore(plan, uow.discards !== discards);
      throw await this.#commitError(error, plan, unitId);
    }
    this.#unitId = undefined;
    uow.apply(plan, results, offset);
  }

  async #commitError(error: unknown, plan: Plan, unitId: string | undefined): Promise<unknown> {
    const units = this.#ctx.units;
    if (units && unitId && units.isRepeat(error)) {
      // The unit's id is already in the log: an earlier commit with an unknown outcome did apply it.
      this.#unitId = undefined;
      this.#uow.discardQueued();
      // Its changes are in the database but were never applied to the objects: they may all be stale now.
      this.#uow.identity.forEach((e) => {
        setFlag(e, ENTITY_FLAGS.expired, true);
      });
      return new UnitAlreadyAppliedError(unitId, { cause: error });
    }
    if (error instanceof CommitOutcomeUnknownError && units && unitId) {
      const lookup = this.#ctx.lookup;
      return new CommitOutcomeUnknownError(error.message, {
        cause: error.cause ?? error,
        unitId,
        check: () => units.wasApplied(lookup, unitId),
      });
    }
    if (error instanceof ForeignKeyConstraintError && error.table === undefined) return nameForeignKey(error, plan);
    if (error instanceof StaleDataError && error.id === undefined && error.table !== undefined) return this.#nameStale(error, plan);
    return error;
  }

  /**
   * A `StaleDataError` of a statement that updated several loaded objects at once (D1, Durable Objects) names
   * no row. Read the rows those objects were read from: the first one gone, or at another version, is the
   * stale one, reported as its own UPDATE would have been. The batch wrote nothing either way; if the read fails
   * or finds every row as it was (changed back meanwhile), the error stays as it is.
   */
  async #nameStale(error: StaleDataError, plan: Plan): Promise<StaleDataError> {
    try {
      for (const { meta, rows } of staleCandidates(plan, error.table as string)) {
        const version = meta.version;
        const res = await this.#ctx.executor.execute({
          sql: versionsByIdsSql(meta),
          params: [JSON.stringify(rows.map((r) => r.id))],
          returnsRows: true,
          columns: version ? ['id', version.name] : ['id'],
        });
        const found = new Map(res.rows.map((r) => [Number(r[0]), r[1] ?? null]));
        for (const r of rows) {
          if (found.has(r.id) && (version === undefined || Number(found.get(r.id)) === Number(r.version))) continue;
          return staleDataError({ changes: 1, table: meta.tableName, id: r.id, verb: 'update' }, 0, error);
        }
      }
    } catch {
      // Only the message was at stake.
    }
    return error;
  }

  /**
   * Sends pending writes now, inside the open interactive transaction, so ids are known and later reads see
   * them. Only inside `engine.transaction()`: elsewhere there is no transaction to flush into (D1 has none).
   */
  flush(): Promise<void> {
    if (!this.#ctx.inTransaction) {
      return Promise.reject(new StateError('flush() works inside engine.transaction(); a plain session writes everything at commit()'));
    }
    return this.commit();
  }

  /**
   * Discards queued writes: new objects become transient again, pending deletions are cancelled. A plain
   * session also forgets its loaded objects (they become detached and keep their values). Inside
   * `engine.transaction()` it discards only what was not flushed and keeps the session open; to undo flushed
   * work, throw from the transaction's function. Safe on a closed session. A commit already in flight is not
   * undone: if it succeeds, its rows are written and its objects carry them; if it fails, its work is
   * discarded with the rest rather than kept for the next commit.
   */
  rollback(): void {
    this.#uow.discardQueued();
    this.#unitId = undefined;
    if (!this.#ctx.inTransaction) this.#uow.detachAll();
  }

  /** @internal Called by the engine when the session's interactive transaction ends. */
  endTransaction(committed: boolean): void {
    if (committed) this.#uow.settle();
    else this.#uow.revert();
    this.#uow.discardQueued();
    this.#uow.detachAll();
    this.#closed = true;
  }

  /** Discards pending writes and closes the session, after any commit in flight. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#chain;
    this.#uow.discardQueued();
    this.#uow.detachAll();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * A raw query's value as every adapter hands it out: an int64 read as a bigint becomes a number when it is
 * safe (unless `allBig`), and a blob is a plain `Uint8Array` (not Node's `Buffer` subclass).
 */
function rawValue(v: SqlValue, allBig: boolean): SqlValue {
  if (typeof v === 'bigint') return allBig || v > MAX_SAFE_BIG || v < -MAX_SAFE_BIG ? v : Number(v);
  if (v instanceof Uint8Array && v.constructor !== Uint8Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return v;
}
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** Loaded many-to-one references whose foreign key no longer matches (the row changed): loaded again on next use. */
function forgetStaleReferences(e: Entity, meta: ModelMeta): void {
  const st = entityState.rel(e);
  if (st?.slots === undefined) return;
  const rels = relationsOf(meta, metaOf);
  for (const [name, slot] of st.slots) {
    const rel = rels.get(name) as RelationMeta | undefined;
    if (rel?.kind !== 'manyToOne') continue;
    const fk = asRecord(e)[rel.fk.name];
    const target = slot.value as Entity | null;
    const id = target === null ? null : (asRecord(target).id as number | undefined);
    if (id !== fk) unload(e, name);
  }
}

/** True when a stored row equals the snapshot value for value (strictly): nothing changed in the database. */
function sameRow(snap: readonly SqlValue[], raw: readonly SqlValue[]): boolean {
  if (snap.length !== raw.length) return false;
  for (let i = 0; i < raw.length; i++) if (snap[i] !== raw[i]) return false;
  return true;
}

/** True when an object has no unsaved changes against its snapshot. */
function isClean(meta: ModelMeta, e: Entity, snap: readonly SqlValue[]): boolean {
  const rec = asRecord(e);
  for (const c of meta.columns) {
    if (!sameAsStoredSafe(c, rec[c.name], snap[c.position] ?? null)) return false;
  }
  return true;
}

function sameAsStoredSafe(c: ColumnMeta, value: unknown, raw: SqlValue): boolean {
  try {
    return sameAsStored(c.kind, value, raw);
  } catch {
    return false;
  }
}

/**
 * True when a step's statements may have written a non-NULL value into `name` (`table.column`): a NULL
 * reference satisfies every foreign key, so a column the step only set to NULL cannot be the violating one.
 * A statement's `paramNames` name either every parameter (inserts, changed objects by id) or, when distinct
 * and fewer, the leading parameters of each run (an UPDATE's SET values, then its WHERE values); any other
 * statement may have written a value.
 */
function mayWriteNonNull(plan: Plan, step: Plan['steps'][number], name: string): boolean {
  let seen = false;
  for (let i = step.start; i < step.start + step.count; i++) {
    const st = plan.statements[i];
    const names = st?.paramNames;
    if (st === undefined || names === undefined) return true;
    const runs = st.repeat ?? 1;
    const width = st.params.length / runs;
    const positional = names.length === st.params.length;
    if (!positional && (!Number.isInteger(width) || names.length > width || new Set(names).size !== names.length)) return true;
    for (let run = 0; run < (positional ? 1 : runs); run++) {
      const at = positional ? 0 : run * width;
      for (let k = 0; k < names.length; k++) {
        if (names[k] !== name) continue;
        if (st.params[at + k] !== null) return true;
        seen = true;
      }
    }
  }
  return !seen;
}

/**
 * SQLite's FOREIGN KEY message names nothing. Name the table and column when the batch shows which: the
 * columns with references that the unit of work set to a value (not NULL), or the tables referencing the
 * rows it deleted.
 */
function nameForeignKey(error: ForeignKeyConstraintError, plan: Plan): ForeignKeyConstraintError {
  const candidates = new Map<string, { table: string; column: string }>();
  for (const step of plan.steps) {
    const touch = step.touch;
    if (!touch) continue;
    if (touch.cols) {
      for (const c of touch.cols) {
        const name = `${touch.meta.tableName}.${c.name}`;
        if (c.config.references && !candidates.has(name) && mayWriteNonNull(plan, step, name)) {
          candidates.set(name, { table: touch.meta.tableName, column: c.name });
        }
      }
    } else {
      for (const child of touch.meta.metadata.models) {
        const cm = metaOf(child);
        for (const c of cm.userColumns) {
          const ref = c.config.references;
          if (!ref) continue;
          let target: ModelMeta | undefined;
          try {
            target = metaOf(ref.model());
          } catch {
            target = undefined;
          }
          if (target === touch.meta && ref.onDelete !== 'cascade' && ref.onDelete !== 'set null') {
            candidates.set(`${cm.tableName}.${c.name}`, { table: cm.tableName, column: c.name });
          }
        }
      }
    }
  }
  if (candidates.size === 0) return error;
  const list = [...candidates.values()];
  const names = list.map((c) => `${c.table}.${c.column}`).join(', ');
  const one = list.length === 1 ? list[0] : undefined;
  const named = new ForeignKeyConstraintError(
    one ? `FOREIGN KEY constraint failed on ${one.table}(${one.column})` : `FOREIGN KEY constraint failed on one of ${names}`,
    'foreignkey',
    one ? { table: one.table, columns: [one.column] } : { columns: list.map((c) => `${c.table}.${c.column}`) },
    { cause: error.cause ?? error, ...(error.sqliteCode ? { sqliteCode: error.sqliteCode } : {}) },
  );
  return isDaoError(named) ? named : error;
}
