/**
 * The session: a unit of work (the port of SQLAlchemy's `AsyncSession`).
 *
 * Writes — `add`, `delete`, changes to loaded objects, `updateWhere`, `deleteWhere`, `upsert` — are collected
 * and validated, and `commit()` sends them to the driver as ONE atomic batch: a native transaction on
 * better-sqlite3 and sqlite-wasm, a single `batch()` on D1, which has no BEGIN. Bad input anywhere in the unit
 * of work is found before anything is sent, so nothing at all is written.
 *
 * Reads run at once. They do not see the session's own pending writes until `commit()` (there is no
 * autoflush: D1 could not give it atomically). Inside `engine.transaction()`, `flush()` sends writes early.
 *
 * After commit, objects keep their values (no expire-on-commit trap) and carry `id`, `created_at` and
 * `updated_at` as the database wrote them (RETURNING).
 */
import { sameAsStored } from './codec.ts';
import {
  type CompiledWhere,
  compileOrder,
  compileWhere,
  countStatement,
  deleteByIdSql,
  deleteWhereSql,
  type Filters,
  insertChunks,
  insertManySql,
  insertSql,
  isPlainObject,
  type OrderBy,
  selectByIdSql,
  selectStatement,
  updateByIdSql,
  updateWhereSql,
  upsertSql,
} from './compile.ts';
import type { DriverLimits, SqlValue, Statement, StatementResult } from './driver.ts';
import type { Engine, Executor } from './engine.ts';
import { Entity, entityState, loadEntity } from './entity.ts';
import {
  ConfigurationError,
  MultipleResultsError,
  NotFoundError,
  SessionClosedError,
  StateError,
  ValidationError,
  type ValidationIssue,
} from './errors.ts';
import { type AnyModel, type ColumnMeta, type ModelMeta, metaOf, type Update } from './model-meta.ts';
import { isSqlQuery, rawStatement, type SqlQuery } from './sql.ts';
import { checkId, checkKeys, encodeColumn, insertValue, throwIfIssues } from './validate.ts';

/**
 * The outcome of a queued write (`updateWhere`, `deleteWhere`, `addStatement`). Its row count is known once
 * the unit of work is committed: the template's `update()` returned a rowcount because it flushed inside an
 * open transaction, which D1 cannot have.
 */
export class WriteResult {
  #rows: number | undefined;
  #parts: readonly WriteResult[] | undefined;

  /** True once the unit of work holding this write has been committed. */
  get committed(): boolean {
    return this.#parts ? this.#parts.every((p) => p.committed) : this.#rows !== undefined;
  }

  /** Rows changed by the write. Throws StateError before commit. */
  get rowsAffected(): number {
    if (!this.committed) throw new StateError('rowsAffected is known after session.commit()');
    return this.#parts ? this.#parts.reduce((n, p) => n + p.rowsAffected, 0) : (this.#rows as number);
  }

  /** @internal */
  static settle(r: WriteResult, rows: number): void {
    r.#rows = rows;
  }

  /** A result whose count is the sum of several queued writes (e.g. `bulkUpdate`). */
  static combine(parts: readonly WriteResult[]): WriteResult {
    const r = new WriteResult();
    r.#parts = parts.slice();
    return r;
  }
}

/** Rows of a raw query, as objects keyed by column name. */
export interface RawResult {
  readonly rows: Record<string, SqlValue>[];
  readonly changes: number;
  readonly lastInsertRowid: number | bigint | undefined;
}

type Op =
  | { readonly kind: 'insert'; readonly entity: Entity; readonly meta: ModelMeta }
  | { readonly kind: 'delete'; readonly entity: Entity; readonly meta: ModelMeta }
  | { readonly kind: 'write'; readonly statement: Statement; readonly result: WriteResult }
  | { readonly kind: 'bulk'; readonly statements: Statement[]; readonly result: WriteResult }
  | { readonly kind: 'upsert'; readonly entity: Entity; readonly meta: ModelMeta; readonly statement: Statement };

/** What to do with the results of a planned step: a function, or (the common case) a queued write to settle. */
type Applier = ((results: StatementResult[]) => void) | WriteResult;

interface Plan {
  readonly statements: Statement[];
  /** Run in order once the batch succeeded, to update objects and settle write results. */
  readonly apply: Applier[];
  /** For each applier, the index of its first statement (it owns the statements up to the next one's). */
  readonly starts: number[];
}

const asRecord = (e: Entity) => e as unknown as Record<string, unknown>;

function toId(raw: SqlValue | undefined): number {
  return typeof raw === 'bigint' ? Number(raw) : (raw as number);
}

/** Modes of {@link Session.deleteWhere}. */
export interface DeleteOptions {
  /** Required to delete with empty filters, i.e. every row of the table. */
  readonly all?: boolean;
}

/** Options of {@link Session.upsert}. */
export interface UpsertOptions<M> {
  /** The conflict target: the columns of a declared unique constraint. */
  readonly on: readonly (keyof Update<M> & string)[];
  /** Columns to overwrite when the row exists; default: every given column outside the conflict target. */
  readonly update?: readonly (keyof Update<M> & string)[];
}

/** A unit of work. Get one from a session maker: `await using session = Session();`. */
export class Session {
  readonly #engine: Engine;
  readonly #exec: Executor;
  readonly #inTransaction: boolean;
  #closed = false;
  readonly #identity = new Map<ModelMeta, Map<number, Entity>>();
  #ops: Op[] = [];
  readonly #pendingNew = new Set<Entity>();
  readonly #pendingDelete = new Set<Entity>();

  /** @internal Use a session maker, or `engine.transaction()`. */
  constructor(engine: Engine, exec: Executor, inTransaction: boolean) {
    this.#engine = engine;
    this.#exec = exec;
    this.#inTransaction = inTransaction;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True when the session has pending writes (queued operations; changes to loaded objects are found at commit). */
  get hasPendingWrites(): boolean {
    return this.#ops.length > 0;
  }

  /** @internal The adapter's limits, for compiling queries. */
  get limits(): DriverLimits {
    return this.#engine.limits;
  }

  /** The read-replication bookmark after the last commit (D1 sessions), or null where the adapter has none. */
  get bookmark(): string | null {
    return this.#engine.driver.bookmark?.() ?? null;
  }

  #checkOpen(): void {
    if (this.#closed) throw new SessionClosedError('the session is closed; open a new one from the session maker');
    if (this.#engine.closed) throw new SessionClosedError('the engine of this session is closed');
  }

  #identityOf(meta: ModelMeta): Map<number, Entity> {
    let m = this.#identity.get(meta);
    if (!m) {
      m = new Map();
      this.#identity.set(meta, m);
    }
    return m;
  }

  #entityMeta(entity: unknown, what: string): ModelMeta {
    if (!(entity instanceof Entity))
      throw new ValidationError(`${what} expects a model instance`, [{ path: [], message: 'not a model instance' }]);
    return metaOf(entity.constructor);
  }

  /** Adds a new object (inserted at commit) or attaches a detached one (tracked for changes). */
  add(entity: Entity): void {
    this.#checkOpen();
    const meta = this.#entityMeta(entity, 'add()');
    const owner = entityState.owner(entity);
    if (owner !== undefined && owner !== this) throw new StateError(`this ${meta.name} belongs to another open session`);
    if (entityState.snapshot(entity)) {
      // A persistent object from a closed session: track it here (its changes are diffed against what was read).
      const map = this.#identityOf(meta);
      const id = toId((entity as unknown as { id: number }).id);
      const current = map.get(id);
      if (current && current !== entity) throw new StateError(`another ${meta.name} with id ${id} is already in this session`);
      map.set(id, entity);
      entityState.setOwner(entity, this);
      return;
    }
    if (this.#pendingNew.has(entity)) return;
    this.#pendingNew.add(entity);
    entityState.setOwner(entity, this);
    this.#ops.push({ kind: 'insert', entity, meta });
  }

  /** Adds several objects, in order. */
  addAll(entities: Iterable<Entity>): void {
    for (const e of entities) this.add(e);
  }

  /** Marks a loaded object for deletion at commit (or cancels a pending insert of a new one). */
  delete(entity: Entity): void {
    this.#checkOpen();
    const meta = this.#entityMeta(entity, 'delete()');
    if (this.#pendingNew.has(entity)) {
      this.#pendingNew.delete(entity);
      this.#ops = this.#ops.filter((op) => !(op.kind === 'insert' && op.entity === entity));
      entityState.setOwner(entity, undefined);
      return;
    }
    if (entityState.owner(entity) !== this || !entityState.snapshot(entity)) {
      throw new StateError(`delete() needs a ${meta.name} loaded in this session`);
    }
    if (this.#pendingDelete.has(entity)) return;
    this.#pendingDelete.add(entity);
    this.#ops.push({ kind: 'delete', entity, meta });
  }

  /** Loads a row by primary key (identity map first), or null. */
  async get<M extends AnyModel>(model: M, id: number): Promise<InstanceType<M> | null> {
    this.#checkOpen();
    const meta = metaOf(model);
    checkId(id, `${meta.name} id`);
    const known = this.#identity.get(meta)?.get(id);
    if (known) return this.#pendingDelete.has(known) ? null : (known as InstanceType<M>);
    const res = await this.#exec.execute({
      sql: selectByIdSql(meta),
      params: [id],
      returnsRows: true,
      columns: meta.columnNames,
      bigints: meta.hasBigint,
      readOnly: true,
      single: true,
    });
    const row = res.rows[0];
    return row ? (this.#load(meta, model, row) as InstanceType<M>) : null;
  }

  /** Like {@link get}, but throws NotFoundError when the row does not exist. */
  async getOrThrow<M extends AnyModel>(model: M, id: number): Promise<InstanceType<M>> {
    const e = await this.get(model, id);
    if (!e) throw new NotFoundError(`${metaOf(model).name} with id ${id} not found`);
    return e;
  }

  /** Starts a query on a model: `session.select(User).where({ … }).orderBy({ id: 'asc' }).all()`. */
  select<M extends AnyModel>(model: M): Query<M> {
    this.#checkOpen();
    return new Query(this, model, metaOf(model));
  }

  /** @internal Runs a select and loads its rows through the identity map. */
  async runSelect(meta: ModelMeta, model: AnyModel, statement: Statement): Promise<Entity[]> {
    this.#checkOpen();
    const res = await this.#exec.execute(statement);
    const rows = res.rows;
    const out = new Array<Entity>(rows.length);
    const map = this.#identityOf(meta);
    for (let i = 0; i < rows.length; i++) {
      const raw = rows[i] as SqlValue[];
      const known = map.get(toId(raw[0] ?? null));
      out[i] = known ?? this.#load(meta, model, raw, map);
    }
    return this.#pendingDelete.size ? out.filter((e) => !this.#pendingDelete.has(e)) : out;
  }

  /** @internal Runs a count. */
  async runCount(statement: Statement): Promise<number> {
    this.#checkOpen();
    const res = await this.#exec.execute(statement);
    return toId(res.rows[0]?.[0] ?? 0);
  }

  #load(meta: ModelMeta, model: AnyModel, raw: SqlValue[], map = this.#identityOf(meta)): Entity {
    const e = loadEntity(model, raw, this);
    map.set(toId(raw[0] ?? null), e);
    return e;
  }

  /**
   * Queues `UPDATE … SET values, updated_at = now WHERE filters` (the DAO's `update`). Values and filters are
   * validated now; the row count is in the returned result after commit.
   */
  updateWhere<M extends AnyModel>(model: M, filters: Filters<M>, values: Update<M>): WriteResult {
    this.#checkOpen();
    const meta = metaOf(model);
    const where = compileWhere(meta, filters, this.#engine.limits);
    const { cols, params, key } = this.#encodeUpdate(meta, values);
    for (const p of where.params) params.push(p);
    const result = new WriteResult();
    this.#ops.push({ kind: 'write', statement: { sql: updateWhereSql(meta, cols, key, where), params, returnsRows: false }, result });
    return result;
  }

  /** Validates and encodes the values of an update; `key` names the columns, in model order. */
  #encodeUpdate(meta: ModelMeta, values: unknown): { cols: ColumnMeta[]; params: SqlValue[]; key: string } {
    if (!isPlainObject(values))
      throw new ValidationError(`invalid values for ${meta.name}`, [{ path: [], message: 'expected a plain object' }]);
    const issues = checkKeys(meta, values);
    const cols: ColumnMeta[] = [];
    const params: SqlValue[] = [];
    let key = '';
    for (const c of meta.userColumns) {
      if (!Object.hasOwn(values, c.name) || values[c.name] === undefined) continue;
      cols.push(c);
      key = key === '' ? c.setKey : key + c.setKey;
      params.push(encodeColumn(c, values[c.name], issues, []));
    }
    throwIfIssues(issues, `invalid values for ${meta.name}`);
    if (cols.length === 0) throw new ValidationError(`no values to update for ${meta.name}`, [{ path: [], message: 'empty update' }]);
    return { cols, params, key };
  }

  /**
   * Queues a bulk insert of plain rows: validated now (issues reported by row index, nothing queued if any row
   * is bad), sent at commit as multi-row INSERTs chunked under the parameter limit, inside the same atomic
   * batch. No objects are built and nothing is read back, so it costs what a hand-written multi-row INSERT
   * does; use `add`/`addAll` when you need the rows' ids and timestamps. The row count is in the result.
   */
  insertMany<M extends AnyModel>(model: M, rows: readonly ConstructorParameters<M>[0][]): WriteResult {
    this.#checkOpen();
    const meta = metaOf(model);
    if (!Array.isArray(rows))
      throw new ValidationError(`insertMany expects an array of ${meta.name} values`, [{ path: [], message: 'expected an array' }]);
    const cols = meta.userColumns;
    const width = cols.length;
    const issues: ValidationIssue[] = [];
    const encoded: SqlValue[] = new Array(rows.length * width);
    let p = 0;
    for (let k = 0; k < rows.length; k++) {
      const given = rows[k];
      if (!isPlainObject(given)) {
        issues.push({ path: [k], message: 'expected a plain object' });
        continue;
      }
      for (const issue of checkKeys(meta, given)) issues.push({ ...issue, path: [k, ...issue.path] });
      for (let c = 0; c < width; c++) encoded[p++] = insertValue(cols[c] as ColumnMeta, given, issues, [k]).encoded;
    }
    throwIfIssues(issues, `invalid rows for ${meta.name}; nothing was queued`);
    const statements: Statement[] = [];
    let at = 0;
    for (const size of insertChunks(rows.length, width, this.#engine.limits, `insert into ${meta.tableName}`)) {
      statements.push({ sql: insertManySql(meta, size), params: encoded.slice(at * width, (at + size) * width), returnsRows: false });
      at += size;
    }
    const result = new WriteResult();
    if (statements.length) this.#ops.push({ kind: 'bulk', statements, result });
    else WriteResult.settle(result, 0);
    return result;
  }

  /**
   * Queues `DELETE … WHERE filters`. Empty filters are refused unless `{ all: true }` is passed, so a filter
   * object that lost its keys cannot empty a table.
   */
  deleteWhere<M extends AnyModel>(model: M, filters: Filters<M>, options: DeleteOptions = {}): WriteResult {
    this.#checkOpen();
    const meta = metaOf(model);
    const where: CompiledWhere = compileWhere(meta, filters, this.#engine.limits);
    if (where.sql === '' && options.all !== true) {
      throw new ValidationError(`refusing to delete every ${meta.name}`, [
        { path: [], message: 'empty filters; pass { all: true } to delete every row' },
      ]);
    }
    const result = new WriteResult();
    this.#ops.push({ kind: 'write', statement: { sql: deleteWhereSql(meta, where), params: where.params, returnsRows: false }, result });
    return result;
  }

  /**
   * Queues an atomic upsert: `INSERT … ON CONFLICT (on) DO UPDATE`, on a declared unique key. Returns the
   * object, whose columns (id included) are filled from the stored row at commit.
   */
  upsert<M extends AnyModel>(model: M, values: ConstructorParameters<M>[0], options: UpsertOptions<M>): InstanceType<M> {
    this.#checkOpen();
    const meta = metaOf(model);
    const target = options?.on;
    if (!Array.isArray(target) || target.length === 0) throw new ConfigurationError('upsert needs { on: [unique columns] }');
    const wanted = [...new Set(target)].sort().join(',');
    if (!meta.uniqueSets.some((s) => [...s].sort().join(',') === wanted)) {
      throw new ConfigurationError(`upsert on (${target.join(', ')}): ${meta.name} declares no such unique constraint`);
    }
    // biome-ignore lint/suspicious/noExplicitAny: constructing the user's model class
    const entity = new (model as any)(values) as Entity;
    const given = Object.keys(values as object);
    const updateNames = options.update ?? given.filter((k) => !target.includes(k as never));
    const updateCols: ColumnMeta[] = [];
    for (const n of updateNames) {
      const c = meta.byName.get(n);
      if (!c || c.owned)
        throw new ValidationError(`invalid upsert update list for ${meta.name}`, [{ path: ['update', n], message: 'unknown column' }]);
      updateCols.push(c);
    }
    const issues: ValidationIssue[] = [];
    const params = meta.userColumns.map((c) => encodeColumn(c, asRecord(entity)[c.name], issues, []));
    throwIfIssues(issues, `invalid values for ${meta.name}`);
    entityState.setOwner(entity, this);
    this.#ops.push({
      kind: 'upsert',
      entity,
      meta,
      statement: {
        sql: upsertSql(meta, target, updateCols),
        params,
        returnsRows: true,
        columns: meta.columnNames,
        bigints: meta.hasBigint,
      },
    });
    return entity as InstanceType<M>;
  }

  /**
   * Runs raw SQL from the `sql` tag at once and returns its rows as objects. Outside `engine.transaction()` a
   * write here commits on its own, outside the unit of work; use {@link addStatement} to make it part of it.
   */
  async execute(query: SqlQuery): Promise<RawResult> {
    this.#checkOpen();
    if (!isSqlQuery(query))
      throw new ValidationError('execute() takes a query built with the sql tag', [{ path: [], message: 'not an sql`…` query' }]);
    const res = await this.#exec.execute(rawStatement(query));
    const cols = res.columns ?? [];
    return {
      rows: res.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i] ?? null]))),
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
    this.#ops.push({ kind: 'write', statement: rawStatement(query), result });
    return result;
  }

  /** Builds every statement of the unit of work, validating all of it first. Sends nothing. */
  #plan(): Plan {
    const plan: Plan = { statements: [], apply: [], starts: [] };
    const issues: ValidationIssue[] = [];
    const add = (statements: Statement[], apply: (r: StatementResult[]) => void) => {
      plan.starts.push(plan.statements.length);
      for (const st of statements) plan.statements.push(st);
      plan.apply.push(apply);
    };
    this.#planDirty(add, issues);
    const ops = this.#ops;
    for (let i = 0; i < ops.length; ) {
      const op = ops[i] as Op;
      if (op.kind === 'insert') {
        // Consecutive inserts of one model become multi-row INSERTs, chunked under the parameter limit.
        let j = i + 1;
        while (j < ops.length && (ops[j] as Op).kind === 'insert' && (ops[j] as { meta: ModelMeta }).meta === op.meta) j++;
        this.#planInserts(
          op.meta,
          ops.slice(i, j).map((o) => (o as { entity: Entity }).entity),
          add,
          issues,
        );
        i = j;
        continue;
      }
      i++;
      if (op.kind === 'delete') {
        const id = toId(asRecord(op.entity).id as number);
        add([{ sql: deleteByIdSql(op.meta), params: [id], returnsRows: false }], () => {
          this.#identity.get(op.meta)?.delete(id);
          this.#pendingDelete.delete(op.entity);
          entityState.setOwner(op.entity, undefined);
          entityState.setSnapshot(op.entity, undefined);
        });
      } else if (op.kind === 'write') {
        // The hot case (a DAO update per row): no closure, no array.
        plan.starts.push(plan.statements.length);
        plan.statements.push(op.statement);
        plan.apply.push(op.result);
      } else if (op.kind === 'bulk') {
        add(op.statements, (r) =>
          WriteResult.settle(
            op.result,
            r.reduce((n, x) => n + x.changes, 0),
          ),
        );
      } else {
        add([op.statement], (r) => {
          const raw = r[0]?.rows[0];
          if (raw) this.#adopt(op.meta, op.entity, raw);
        });
      }
    }
    throwIfIssues(issues, 'invalid unit of work; nothing was written');
    return plan;
  }

  /** Fills an object from a stored row (after an upsert) and tracks it. */
  #adopt(meta: ModelMeta, entity: Entity, raw: SqlValue[]): void {
    const fresh = loadEntity(meta.cls, raw);
    const id = toId(raw[0] ?? null);
    const map = this.#identityOf(meta);
    for (const target of [entity, map.get(id)]) {
      if (!target) continue;
      for (const c of meta.columns) asRecord(target)[c.name] = asRecord(fresh)[c.name];
      entityState.setSnapshot(target, raw);
      entityState.setOwner(target, this);
    }
    if (!map.has(id)) map.set(id, entity);
  }

  #planInserts(
    meta: ModelMeta,
    entities: Entity[],
    add: (s: Statement[], a: (r: StatementResult[]) => void) => void,
    issues: ValidationIssue[],
  ): void {
    const cols = meta.userColumns;
    const width = cols.length;
    const n = entities.length;
    // Each row is encoded into an array of the model's full width, which becomes the object's snapshot after
    // commit (slots 0 and the last two take id and the timestamps from RETURNING): one array per row.
    const rows: SqlValue[][] = new Array(n);
    for (let k = 0; k < n; k++) {
      const rec = asRecord(entities[k] as Entity);
      const row: SqlValue[] = new Array(width + 3);
      row[0] = null;
      for (let c = 0; c < width; c++) {
        const col = cols[c] as ColumnMeta;
        row[c + 1] = encodeColumn(col, rec[col.name], issues, [meta.name, k]);
      }
      row[width + 1] = null;
      row[width + 2] = null;
      rows[k] = row;
    }
    const chunks = insertChunks(n, width, this.#engine.limits, `insert into ${meta.tableName}`);
    const statements: Statement[] = [];
    let at = 0;
    for (const size of chunks) {
      const params: SqlValue[] = new Array(size * width);
      let p = 0;
      for (let r = at; r < at + size; r++) {
        const row = rows[r] as SqlValue[];
        for (let c = 1; c <= width; c++) params[p++] = row[c] as SqlValue;
      }
      statements.push({ sql: insertSql(meta, size), params, returnsRows: true, columns: ['id', 'created_at', 'updated_at'] });
      at += size;
    }
    add(statements, (results) => {
      const returned = results.length === 1 ? (results[0] as StatementResult).rows : results.flatMap((r) => r.rows);
      // RETURNING order is unspecified (https://sqlite.org/lang_returning.html); AUTOINCREMENT ids of one
      // INSERT increase in VALUES order, so ordering by id restores the row order. It is ordered already in
      // practice, so check before sorting.
      let ordered = true;
      for (let k = 1; k < returned.length && ordered; k++) {
        ordered = toId((returned[k - 1] as SqlValue[])[0] ?? null) < toId((returned[k] as SqlValue[])[0] ?? null);
      }
      if (!ordered) returned.sort((a, b) => toId(a[0] ?? null) - toId(b[0] ?? null));
      const map = this.#identityOf(meta);
      const stamp = meta.byName.get('created_at') as ColumnMeta;
      const where = `${meta.tableName}.created_at`;
      for (let k = 0; k < n; k++) {
        const ret = returned[k];
        if (!ret) break;
        const e = entities[k] as Entity;
        const id = toId(ret[0] ?? null);
        const rec = asRecord(e);
        const row = rows[k] as SqlValue[];
        row[0] = id;
        row[width + 1] = ret[1] ?? null;
        row[width + 2] = ret[2] ?? null;
        rec.id = id;
        rec.created_at = stamp.decode(ret[1] ?? null, where);
        rec.updated_at = stamp.decode(ret[2] ?? null, where);
        entityState.setSnapshot(e, row);
        this.#pendingNew.delete(e);
        map.set(id, e);
      }
    });
  }

  /** Finds changed loaded objects and plans one UPDATE per object, of the changed columns only. */
  #planDirty(add: (s: Statement[], a: (r: StatementResult[]) => void) => void, issues: ValidationIssue[]): void {
    for (const [meta, map] of this.#identity) {
      const updatedAt = meta.byName.get('updated_at') as ColumnMeta;
      for (const e of map.values()) {
        if (this.#pendingDelete.has(e)) continue;
        const snap = entityState.snapshot(e);
        if (!snap) continue;
        const rec = asRecord(e);
        let changed: ColumnMeta[] | undefined;
        for (const c of meta.columns) {
          if (sameAsStored(c.kind, rec[c.name], snap[c.position] ?? null)) continue;
          if (c.owned) {
            issues.push({
              path: [meta.name, toId(snap[0] ?? null), c.name],
              message: `${c.name} is managed by litedao and cannot be changed`,
            });
            continue;
          }
          if (!changed) changed = [];
          changed.push(c);
        }
        if (!changed) continue;
        const cols = changed;
        const id = toId(snap[0] ?? null);
        const params = cols.map((c) => encodeColumn(c, rec[c.name], issues, [meta.name, id]));
        params.push(id);
        add([{ sql: updateByIdSql(meta, cols), params, returnsRows: true, columns: ['updated_at'] }], (r) => {
          const stamp = r[0]?.rows[0]?.[0] ?? null;
          const next = snap.slice();
          cols.forEach((c, k) => {
            next[c.position] = params[k] ?? null;
          });
          next[updatedAt.position] = stamp;
          rec.updated_at = updatedAt.decode(stamp, `${meta.tableName}.updated_at`);
          entityState.setSnapshot(e, next);
        });
      }
    }
  }

  /**
   * Sends the unit of work as one atomic batch. On success, objects carry their database values and the
   * session is empty; on failure nothing was written, the error is a litedao error, and the pending work is
   * kept (call `rollback()` to discard it). Inside `engine.transaction()`, the same as {@link flush}.
   */
  async commit(): Promise<void> {
    this.#checkOpen();
    const plan = this.#plan();
    if (plan.statements.length === 0) {
      this.#ops = [];
      return;
    }
    const results = await this.#exec.batch(plan.statements);
    this.#ops = [];
    const { apply, starts } = plan;
    for (let k = 0; k < apply.length; k++) {
      const a = apply[k] as Applier;
      const start = starts[k] as number;
      if (a instanceof WriteResult) WriteResult.settle(a, results[start]?.changes ?? 0);
      else a(results.slice(start, starts[k + 1] ?? results.length));
    }
  }

  /**
   * Sends pending writes now, inside the open interactive transaction, so ids are known and later reads see
   * them. Only inside `engine.transaction()`: elsewhere there is no transaction to flush into (D1 has none).
   */
  async flush(): Promise<void> {
    if (!this.#inTransaction) {
      throw new StateError('flush() works inside engine.transaction(); a plain session writes everything at commit()');
    }
    await this.commit();
  }

  /**
   * Discards pending writes and forgets loaded objects (they become detached and keep their values). Safe on
   * a closed session. Inside `engine.transaction()` it discards unflushed work only; throw to roll back.
   */
  rollback(): void {
    this.#ops = [];
    for (const e of this.#pendingNew) entityState.setOwner(e, undefined);
    this.#pendingNew.clear();
    this.#pendingDelete.clear();
    this.detach();
  }

  /** @internal Forgets every loaded object; they keep their values and snapshots and can be added elsewhere. */
  detach(): void {
    for (const map of this.#identity.values()) for (const e of map.values()) entityState.setOwner(e, undefined);
    this.#identity.clear();
    if (this.#inTransaction) this.#closed = true;
  }

  /** Discards pending writes and closes the session. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.rollback();
    this.#closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A query on one model. Builder methods return the same query; run it with `all`, `first`, `one`, `count`. */
export class Query<M extends AnyModel> {
  readonly #session: Session;
  readonly #model: M;
  readonly #meta: ModelMeta;
  #filters: Record<string, unknown> | undefined;
  #orderBy: unknown;
  #limit: number | undefined;
  #offset: number | undefined;

  /** @internal */
  constructor(session: Session, model: M, meta: ModelMeta) {
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
