/**
 * The unit of work: plans a session's pending changes as ONE batch of statements with post-conditions, and
 * applies the batch's results to the objects. Called only by the session facade (session.ts).
 *
 * - `plan()` validates everything and builds the statements; it changes nothing, so bad input anywhere means
 *   nothing is sent and every object is exactly as it was.
 * - Statements by identity carry post-conditions (`Statement.expect`): an UPDATE/DELETE of a loaded object
 *   must match its row (at the version it was read, for versioned models), an INSERT must write every row
 *   planned. A miss aborts the whole batch inside the database (`StaleDataError`), never after it.
 * - `apply()` runs only after the batch is durable, and cannot fail: it only assigns values the database
 *   returned. A value it cannot decode marks the object expired instead of throwing.
 * - Order in the batch: updates of changed loaded objects first, then the queued operations in call order
 *   (consecutive inserts of one model become multi-row INSERTs chunked under the parameter limit).
 */
import { sameAsStored } from './codec.ts';
import {
  type CompiledWhere,
  deleteByIdSql,
  deleteWhereSql,
  insertChunks,
  insertSql,
  updateByIdSql,
  updateReturning,
  updateWhereSql,
  upsertSql,
} from './compile.ts';
import type { DriverLimits, SqlValue, Statement, StatementResult } from './driver.ts';
import { ENTITY_FLAGS, type Entity, entityState, type ObjectState } from './entity.ts';
import { StateError, type ValidationIssue } from './errors.ts';
import { IdentityMap } from './identity-map.ts';
import { type ColumnMeta, type ModelMeta, metaOf } from './model-meta.ts';
import { hasFlag, setFlag, transition } from './object-state.ts';
import { type EncodedUpdate, encodeColumn, prefixIssues, throwIfIssues } from './validate.ts';
import { WriteResult } from './write-result.ts';

/** A queued operation of a session. */
export type Op =
  | { readonly kind: 'insert'; readonly entity: Entity; readonly meta: ModelMeta }
  | { readonly kind: 'delete'; readonly entity: Entity; readonly meta: ModelMeta }
  | {
      readonly kind: 'updateWhere';
      readonly meta: ModelMeta;
      readonly update: EncodedUpdate;
      readonly where: CompiledWhere;
      readonly result: WriteResult;
    }
  | { readonly kind: 'deleteWhere'; readonly meta: ModelMeta; readonly where: CompiledWhere; readonly result: WriteResult }
  | { readonly kind: 'raw'; readonly statement: Statement; readonly result: WriteResult }
  | { readonly kind: 'bulk'; readonly meta: ModelMeta; readonly statements: Statement[]; readonly result: WriteResult }
  | {
      readonly kind: 'upsert';
      readonly entity: Entity;
      readonly meta: ModelMeta;
      readonly params: SqlValue[];
      readonly target: readonly string[];
      readonly updateCols: readonly ColumnMeta[];
    };

/** What a planned step writes, for naming the column of a foreign-key failure. */
export interface Touch {
  readonly meta: ModelMeta;
  /** Columns it sets; `undefined` for a DELETE. */
  readonly cols: readonly ColumnMeta[] | undefined;
}

/** One planned step: statements `[start, start + count)` of the batch and what to do with their results. */
interface Step {
  readonly start: number;
  readonly count: number;
  /** Runs after the batch is durable; must not throw. */
  apply(results: readonly StatementResult[], start: number): void;
  readonly touch: Touch | undefined;
}

/** A step that is its own object (one allocation per planned statement instead of a closure and a record). */
interface StepObject extends Step {
  start: number;
}

/**
 * Adds planned statements (one, or several for one step) and what to do with their results: a function, or a
 * step object (its `start` is set here).
 */
type Add = (
  statements: Statement | readonly Statement[],
  apply: ((results: readonly StatementResult[], start: number) => void) | StepObject,
  touch?: Touch,
) => void;

/** The step of an `updateWhere`: settles its result, refreshes loaded objects from the RETURNING rows. */
class UpdateWhereStep implements StepObject {
  start = 0;
  readonly count = 1;
  readonly #uow: UnitOfWork;
  readonly #op: Extract<Op, { kind: 'updateWhere' }>;
  readonly #returned: { readonly cols: readonly ColumnMeta[] } | undefined;
  readonly touch: Touch;

  constructor(
    uow: UnitOfWork,
    op: Extract<Op, { kind: 'updateWhere' }>,
    returned: { readonly cols: readonly ColumnMeta[] } | undefined,
    touch: Touch,
  ) {
    this.#uow = uow;
    this.#op = op;
    this.#returned = returned;
    this.touch = touch;
  }

  apply(results: readonly StatementResult[], at: number): void {
    const res = results[at] as StatementResult;
    const returned = this.#returned;
    WriteResult.settle(this.#op.result, returned ? res.rows.length : res.changes);
    if (returned) this.#uow.refreshReturned(this.#op.meta, returned.cols, res.rows);
  }
}

/** The plan of one commit. */
export interface Plan {
  readonly statements: Statement[];
  readonly steps: Step[];
  /** The queued operations this plan covers (taken from the queue when the batch is sent). */
  readonly ops: readonly Op[];
}

/** What an object was before a flush inside an interactive transaction, to restore if it rolls back. */
interface Memento {
  readonly entity: Entity;
  readonly state: ObjectState;
  readonly owner: object | undefined;
  readonly snapshot: SqlValue[] | undefined;
  readonly flags: number;
  readonly values: Record<string, unknown>;
}

const asRecord = (e: Entity) => e as unknown as Record<string, unknown>;

const NO_PATH: readonly string[] = Object.freeze([]);

function toId(raw: SqlValue | undefined): number {
  return typeof raw === 'bigint' ? Number(raw) : (raw as number);
}

/** A stored value as the snapshot keeps it: blobs are copied, so later edits of the object's bytes show up. */
function own(v: SqlValue): SqlValue {
  return v instanceof Uint8Array ? v.slice() : v;
}

const paramNamesCache = new WeakMap<ModelMeta, Map<number, string[]>>();

/** `table.column` for every parameter of an n-row insert of the model's declared columns. */
function insertParamNames(meta: ModelMeta, rows: number): string[] {
  let byRows = paramNamesCache.get(meta);
  if (byRows === undefined) {
    byRows = new Map();
    paramNamesCache.set(meta, byRows);
  }
  let names = byRows.get(rows);
  if (names === undefined) {
    const one = meta.userColumns.map((c) => `${meta.tableName}.${c.name}`);
    names = [];
    for (let r = 0; r < rows; r++) for (const n of one) names.push(n);
    byRows.set(rows, names);
  }
  return names;
}

/** What every UPDATE that sets one list of columns shares: parameter names, the touch, the RETURNING columns. */
interface UpdateColumnsShape {
  readonly paramNames: readonly string[];
  readonly touch: Touch;
  returned(update: EncodedUpdate): { readonly cols: readonly ColumnMeta[]; readonly names: readonly string[] };
}

/** Keyed by the column list itself: updates of one shape share it (validate.ts `encodeUpdate`). */
const updateColumnShapes = new WeakMap<readonly ColumnMeta[], UpdateColumnsShape>();

function updateShapeOf(meta: ModelMeta, cols: readonly ColumnMeta[]): UpdateColumnsShape {
  let shape = updateColumnShapes.get(cols);
  if (shape === undefined) {
    let returned: { readonly cols: readonly ColumnMeta[]; readonly names: readonly string[] } | undefined;
    shape = {
      paramNames: cols.map((c) => `${meta.tableName}.${c.name}`),
      touch: { meta, cols },
      returned(update) {
        if (returned === undefined) {
          const rc = updateReturning(meta, update);
          returned = { cols: rc, names: rc.map((c) => c.name) };
        }
        return returned;
      },
    };
    updateColumnShapes.set(cols, shape);
  }
  return shape;
}

/** The pending work and the objects of one session. */
export class UnitOfWork {
  readonly identity = new IdentityMap();
  /** Queued operations, in call order. */
  ops: Op[] = [];
  /** New objects waiting for their INSERT (queued or in flight). */
  readonly pendingNew = new Set<Entity>();
  /** Loaded objects waiting for their DELETE. */
  readonly pendingDelete = new Set<Entity>();
  /** Objects whose INSERT or DELETE is in the batch being sent. */
  readonly inFlight = new Set<Entity>();
  readonly #owner: object;
  readonly #limits: DriverLimits;
  /** Inside an interactive transaction: what flushed objects were, in order (see {@link revert}). */
  readonly #journal: Memento[] | undefined;
  readonly #remembered: Set<Entity> | undefined;
  readonly #newModels = new Set<ModelMeta>();

  constructor(owner: object, limits: DriverLimits, inTransaction: boolean) {
    this.#owner = owner;
    this.#limits = limits;
    this.#journal = inTransaction ? [] : undefined;
    this.#remembered = inTransaction ? new Set() : undefined;
  }

  /** True when there is anything to send (queued operations; changes of loaded objects are found by `plan`). */
  get hasQueuedWork(): boolean {
    return this.ops.length > 0;
  }

  // ---------------------------------------------------------------------------------------------------
  // plan

  /** Validates everything and builds the batch. Throws (ValidationError, LimitExceededError) and changes nothing. */
  plan(): Plan {
    const statements: Statement[] = [];
    const steps: Step[] = [];
    const issues: ValidationIssue[] = [];
    const add: Add = (sts, apply, touch) => {
      const start = statements.length;
      if (Array.isArray(sts)) for (const s of sts as readonly Statement[]) statements.push(s);
      else statements.push(sts as Statement);
      if (typeof apply === 'function') steps.push({ start, count: statements.length - start, apply, touch });
      else {
        apply.start = start;
        steps.push(apply);
      }
    };
    this.#planDirty(add, issues);
    const ops = this.ops;
    // Models that get new objects in this unit: a later updateWhere/deleteWhere may touch them too.
    this.#newModels.clear();
    for (const op of ops) if (op.kind === 'insert' || op.kind === 'upsert') this.#newModels.add(op.meta);
    for (let i = 0; i < ops.length; ) {
      const op = ops[i] as Op;
      if (op.kind === 'insert') {
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
      switch (op.kind) {
        case 'delete':
          this.#planDelete(op.meta, op.entity, add);
          break;
        case 'updateWhere':
          this.#planUpdateWhere(op, add);
          break;
        case 'deleteWhere':
          this.#planDeleteWhere(op, add);
          break;
        case 'raw':
          add(op.statement, (r, at) => WriteResult.settle(op.result, (r[at] as StatementResult).changes), undefined);
          break;
        case 'bulk':
          add(
            op.statements,
            (r, at) => {
              let n = 0;
              for (let k = 0; k < op.statements.length; k++) n += (r[at + k] as StatementResult).changes;
              WriteResult.settle(op.result, n);
            },
            { meta: op.meta, cols: op.meta.userColumns },
          );
          break;
        case 'upsert':
          this.#planUpsert(op, add);
          break;
      }
    }
    throwIfIssues(issues, 'invalid unit of work; nothing was written');
    return { statements, steps, ops };
  }

  /** One UPDATE per changed loaded object, of its changed columns only, by id (and version). */
  #planDirty(add: Add, issues: ValidationIssue[]): void {
    this.identity.forEach((e, meta) => {
      if (entityState.state(e) !== 'persistent' || hasFlag(e, ENTITY_FLAGS.expired)) return;
      const snap = entityState.snapshot(e);
      if (!snap) return;
      const rec = asRecord(e);
      let changed: ColumnMeta[] | undefined;
      for (const c of meta.columns) {
        if (sameAsStored(c.kind, rec[c.name], snap[c.position] ?? null)) continue;
        if (c.managed) {
          issues.push({
            path: [meta.name, toId(snap[0] ?? null), c.name],
            message: `${c.name} is managed by litedao and cannot be changed`,
          });
          continue;
        }
        if (!changed) changed = [];
        changed.push(c);
      }
      if (!changed) return;
      const cols = changed;
      const id = toId(snap[0] ?? null);
      const params = cols.map((c) => encodeColumn(c, rec[c.name], issues, [meta.name, id]));
      params.push(id);
      const version = meta.version;
      if (version) params.push(snap[version.position] ?? null);
      const updatedAt = meta.byName.get('updated_at') as ColumnMeta;
      add(
        {
          sql: updateByIdSql(meta, cols),
          params,
          returnsRows: true,
          columns: version ? ['updated_at', version.name] : ['updated_at'],
          paramNames: cols.map((c) => `${meta.tableName}.${c.name}`),
          expect: { changes: 1, table: meta.tableName, id, verb: 'update' },
        },
        (r, at) => {
          const row = (r[at] as StatementResult).rows[0] ?? [];
          this.#remember(e);
          const next = snap.slice();
          for (let k = 0; k < cols.length; k++) next[(cols[k] as ColumnMeta).position] = own(params[k] ?? null);
          next[updatedAt.position] = row[0] ?? null;
          if (version) next[version.position] = row[1] ?? null;
          entityState.setSnapshot(e, next);
          this.#decodeInto(e, updatedAt, row[0] ?? null);
          if (version) this.#decodeInto(e, version, row[1] ?? null);
        },
        { meta, cols },
      );
    });
  }

  #planInserts(meta: ModelMeta, entities: Entity[], add: Add, issues: ValidationIssue[]): void {
    const cols = meta.userColumns;
    const width = cols.length;
    const n = entities.length;
    // Each row is encoded into an array of the model's full width, which becomes the object's snapshot after
    // commit (slots 0 and the last two take id and the timestamps from RETURNING).
    const rows: SqlValue[][] = new Array(n);
    for (let k = 0; k < n; k++) {
      const rec = asRecord(entities[k] as Entity);
      const row: SqlValue[] = new Array(width + 3);
      row[0] = null;
      const before = issues.length;
      for (let c = 0; c < width; c++) {
        const col = cols[c] as ColumnMeta;
        row[c + 1] = encodeColumn(col, rec[col.name], issues, NO_PATH);
      }
      if (issues.length > before) prefixIssues(issues, before, [meta.name, k]);
      row[width + 1] = null;
      row[width + 2] = null;
      rows[k] = row;
    }
    const chunks = insertChunks(n, width, this.#limits, `insert into ${meta.tableName}`);
    let at = 0;
    for (const size of chunks) {
      const first = at;
      const params: SqlValue[] = new Array(size * width);
      let p = 0;
      for (let r = first; r < first + size; r++) {
        const row = rows[r] as SqlValue[];
        for (let c = 1; c <= width; c++) params[p++] = row[c] as SqlValue;
      }
      add(
        {
          sql: insertSql(meta, size),
          params,
          returnsRows: true,
          columns: ['id', 'created_at', 'updated_at'],
          paramNames: insertParamNames(meta, size),
          expect: { changes: size, table: meta.tableName, verb: 'insert' },
        },
        (r, stmt) => this.#applyInserts(meta, entities, rows, first, size, (r[stmt] as StatementResult).rows),
        { meta, cols },
      );
      at += size;
    }
  }

  #applyInserts(
    meta: ModelMeta,
    entities: readonly Entity[],
    rows: SqlValue[][],
    first: number,
    size: number,
    returned: readonly (readonly SqlValue[])[],
  ): void {
    // RETURNING order is unspecified (https://sqlite.org/lang_returning.html); AUTOINCREMENT ids of one INSERT
    // increase in VALUES order, so ordering by id restores the row order (on a copy: driver results are
    // never mutated). The post-condition guaranteed one returned row per planned row.
    let ordered = true;
    for (let k = 1; k < returned.length && ordered; k++) {
      ordered = toId((returned[k - 1] as SqlValue[])[0] ?? null) < toId((returned[k] as SqlValue[])[0] ?? null);
    }
    const byId = ordered ? returned : returned.slice().sort((a, b) => toId(a[0] ?? null) - toId(b[0] ?? null));
    const width = meta.userColumns.length;
    const created = meta.byName.get('created_at') as ColumnMeta;
    const updated = meta.byName.get('updated_at') as ColumnMeta;
    const blobs = meta.userColumns.some((c) => c.kind === 'blob');
    for (let k = 0; k < size; k++) {
      const ret = byId[k];
      const e = entities[first + k] as Entity;
      if (!ret) {
        setFlag(e, ENTITY_FLAGS.expired, true);
        continue;
      }
      this.#remember(e);
      const id = toId(ret[0] ?? null);
      const row = rows[first + k] as SqlValue[];
      row[0] = id;
      row[width + 1] = ret[1] ?? null;
      row[width + 2] = ret[2] ?? null;
      if (blobs) for (let c = 1; c <= width; c++) row[c] = own(row[c] as SqlValue);
      asRecord(e).id = id;
      this.#decodeInto(e, created, ret[1] ?? null);
      this.#decodeInto(e, updated, ret[2] ?? null);
      entityState.setSnapshot(e, row);
      transition(e, 'persistent', this.#owner);
      this.pendingNew.delete(e);
      this.inFlight.delete(e);
      this.identity.set(meta, id, e);
    }
  }

  #planDelete(meta: ModelMeta, e: Entity, add: Add): void {
    const snap = entityState.snapshot(e) as SqlValue[];
    const id = toId(snap[0] ?? null);
    const params: SqlValue[] = [id];
    if (meta.version) params.push(snap[meta.version.position] ?? null);
    add(
      { sql: deleteByIdSql(meta), params, returnsRows: false, expect: { changes: 1, table: meta.tableName, id, verb: 'delete' } },
      () => {
        this.#remember(e);
        for (const gone of this.identity.remove(meta, id)) this.#markDeleted(gone);
        this.#markDeleted(e);
      },
      { meta, cols: undefined },
    );
  }

  #markDeleted(e: Entity): void {
    this.#remember(e);
    this.pendingDelete.delete(e);
    this.inFlight.delete(e);
    if (entityState.state(e) !== 'detached') transition(e, 'detached');
    setFlag(e, ENTITY_FLAGS.rowDeleted, true);
  }

  #planUpdateWhere(op: Extract<Op, { kind: 'updateWhere' }>, add: Add): void {
    const { meta, update, where } = op;
    // Objects of this model in the session may be among the rows changed: return the changed rows so their
    // values can be refreshed at commit. Without such objects, nothing needs to come back.
    const returning = this.identity.holds(meta) || this.#newModels.has(meta);
    const shape = updateShapeOf(meta, update.cols);
    const returned = returning ? shape.returned(update) : undefined;
    add(
      {
        sql: updateWhereSql(meta, update, where, returning),
        params: where.params.length === 0 ? update.params : update.params.concat(where.params),
        returnsRows: returning,
        columns: returned?.names,
        paramNames: shape.paramNames,
      },
      new UpdateWhereStep(this, op, returned, shape.touch),
    );
  }

  /** @internal The rows an `updateWhere` returned: refreshes the loaded objects among them (after commit). */
  refreshReturned(meta: ModelMeta, cols: readonly ColumnMeta[], rows: readonly (readonly SqlValue[])[]): void {
    for (const row of rows) {
      const e = this.identity.get(meta, toId(row[0] ?? null));
      if (!e) continue;
      for (const target of this.identity.withAliases(e)) this.#refreshColumns(target, cols, row);
    }
  }

  /** Writes returned column values into an object and its snapshot. */
  #refreshColumns(e: Entity, cols: readonly ColumnMeta[], row: readonly SqlValue[]): void {
    const snap = entityState.snapshot(e);
    if (!snap) return;
    this.#remember(e);
    const next = snap.slice();
    for (let k = 1; k < cols.length; k++) {
      const c = cols[k] as ColumnMeta;
      next[c.position] = row[k] ?? null;
      this.#decodeInto(e, c, row[k] ?? null);
    }
    entityState.setSnapshot(e, next);
  }

  #planDeleteWhere(op: Extract<Op, { kind: 'deleteWhere' }>, add: Add): void {
    const { meta, where } = op;
    const returning = this.identity.holds(meta) || this.#newModels.has(meta);
    add(
      {
        sql: deleteWhereSql(meta, where, returning),
        params: where.params,
        returnsRows: returning,
        columns: returning ? ['id'] : undefined,
      },
      (r, at) => {
        const res = r[at] as StatementResult;
        WriteResult.settle(op.result, returning ? res.rows.length : res.changes);
        if (!returning) return;
        for (const row of res.rows) for (const gone of this.identity.remove(meta, toId(row[0] ?? null))) this.#markDeleted(gone);
      },
      { meta, cols: undefined },
    );
  }

  #planUpsert(op: Extract<Op, { kind: 'upsert' }>, add: Add): void {
    const { meta, entity } = op;
    add(
      {
        sql: upsertSql(meta, op.target, op.updateCols),
        params: op.params,
        returnsRows: true,
        columns: meta.columnNames,
        paramNames: insertParamNames(meta, 1),
        expect: { changes: 1, table: meta.tableName, verb: 'insert' },
      },
      (r, at) => {
        const raw = (r[at] as StatementResult).rows[0];
        this.inFlight.delete(entity);
        if (!raw) {
          setFlag(entity, ENTITY_FLAGS.expired, true);
          return;
        }
        const id = toId(raw[0] ?? null);
        const canonical = this.identity.adopt(meta, id, entity);
        for (const target of this.identity.withAliases(canonical)) {
          this.#remember(target);
          this.#assignRow(target, meta, raw);
          entityState.setSnapshot(target, raw.slice());
          if (entityState.state(target) !== 'persistent') transition(target, 'persistent', this.#owner);
        }
      },
      { meta, cols: meta.userColumns },
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // send and apply

  /** Moves the plan's operations out of the queue (the batch is about to be sent). */
  take(plan: Plan): void {
    this.ops = this.ops.slice(plan.ops.length);
    for (const op of plan.ops) if (op.kind === 'insert' || op.kind === 'delete' || op.kind === 'upsert') this.inFlight.add(op.entity);
  }

  /** Puts the plan's operations back in front of anything queued since (the batch failed; nothing was written). */
  restore(plan: Plan): void {
    this.ops = [...plan.ops, ...this.ops];
    for (const op of plan.ops) if (op.kind === 'insert' || op.kind === 'delete' || op.kind === 'upsert') this.inFlight.delete(op.entity);
  }

  /** Applies a durable batch's results to the objects. Never throws. */
  apply(plan: Plan, results: readonly StatementResult[], offset: number): void {
    for (const step of plan.steps) step.apply(results, offset + step.start);
  }

  /** Decodes one returned value into an object's property; an undecodable value marks the object expired. */
  #decodeInto(e: Entity, col: ColumnMeta, raw: SqlValue): void {
    try {
      asRecord(e)[col.name] = raw === null ? null : col.decode(raw, col.where);
    } catch {
      setFlag(e, ENTITY_FLAGS.expired, true);
    }
  }

  /** Overwrites all of an object's values from a stored row; an undecodable row marks it expired. */
  #assignRow(e: Entity, meta: ModelMeta, raw: readonly SqlValue[]): void {
    try {
      meta.assign(asRecord(e), raw);
      setFlag(e, ENTITY_FLAGS.expired, false);
    } catch {
      setFlag(e, ENTITY_FLAGS.expired, true);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // interactive transactions

  #remember(e: Entity): void {
    if (!this.#journal || !this.#remembered || this.#remembered.has(e)) return;
    this.#remembered.add(e);
    const rec = asRecord(e);
    const values: Record<string, unknown> = {};
    for (const c of metaOf(e.constructor).columns) values[c.name] = rec[c.name];
    this.#journal.push({
      entity: e,
      state: entityState.state(e),
      owner: entityState.owner(e),
      snapshot: entityState.snapshot(e),
      flags: entityState.flags(e),
      values,
    });
  }

  /**
   * The interactive transaction rolled back: every object flushed in it goes back to what it was before
   * (an inserted object is transient again, without id or timestamps; an updated one gets its old snapshot,
   * so its changes show as pending again; a deleted one is restored).
   */
  revert(): void {
    if (!this.#journal) return;
    for (let i = this.#journal.length - 1; i >= 0; i--) {
      const m = this.#journal[i] as Memento;
      const rec = asRecord(m.entity);
      for (const [k, v] of Object.entries(m.values)) rec[k] = v;
      entityState.setSnapshot(m.entity, m.snapshot);
      entityState.setFlags(m.entity, m.flags);
      if (m.state === 'pending') {
        // Its INSERT was rolled back: a new object again, without id or timestamps.
        entityState.setState(m.entity, 'transient');
        entityState.setOwner(m.entity, undefined);
        this.pendingNew.delete(m.entity);
        continue;
      }
      entityState.setState(m.entity, m.state);
      entityState.setOwner(m.entity, m.owner);
      const snap = m.snapshot;
      if ((m.state === 'persistent' || m.state === 'deleted') && snap) {
        this.identity.set(metaOf(m.entity.constructor), toId(snap[0] ?? null), m.entity);
      }
    }
    this.#journal.length = 0;
    this.#remembered?.clear();
  }

  /** Drops the journal (the transaction committed). */
  settle(): void {
    if (this.#journal) this.#journal.length = 0;
    this.#remembered?.clear();
  }

  // ---------------------------------------------------------------------------------------------------
  // discarding

  /**
   * Discards queued work: pending objects become transient again, pending deletions are cancelled. Objects
   * whose INSERT or DELETE is in flight are left to their batch.
   */
  discardQueued(): void {
    for (const op of this.ops) {
      if (op.kind === 'insert' && entityState.state(op.entity) === 'pending') {
        this.pendingNew.delete(op.entity);
        transition(op.entity, 'transient');
      } else if (op.kind === 'delete' && entityState.state(op.entity) === 'deleted') {
        this.pendingDelete.delete(op.entity);
        transition(op.entity, 'persistent', this.#owner);
      } else if (op.kind === 'upsert' && entityState.state(op.entity) === 'pending') {
        transition(op.entity, 'transient');
      }
    }
    this.ops = [];
  }

  /** Forgets every loaded object: they become detached and keep their values and snapshots. */
  detachAll(): void {
    for (const e of this.identity.clear()) {
      const st = entityState.state(e);
      if (st === 'persistent' || st === 'deleted') transition(e, 'detached');
    }
    this.pendingDelete.clear();
  }

  /** Refuses an operation on an object whose INSERT or DELETE is being sent right now. */
  assertNotInFlight(e: Entity, what: string): void {
    if (this.inFlight.has(e)) throw new StateError(`${what}: a commit of this object is in progress; await it first`);
  }
}
