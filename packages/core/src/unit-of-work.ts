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
  canSetByIds,
  canUpdateByIds,
  deleteByIdSql,
  deleteWhereSql,
  dirtyByIdsSql,
  fixupUpdateSql,
  insertChunks,
  insertRelatedSql,
  insertSql,
  unlinkSql,
  updateByIdSql,
  updateByIdsSql,
  updateReturning,
  updateWhereSql,
  upsertSql,
  versionCheckSql,
} from './compile.ts';
import type { DriverLimits, SqlValue, Statement, StatementResult } from './driver.ts';
import { ENTITY_FLAGS, type Entity, entityState, type ObjectState } from './entity.ts';
import { StateError, type ValidationIssue } from './errors.ts';
import { IdentityMap } from './identity-map.ts';
import { type ColumnMeta, type ModelMeta, metaOf } from './model-meta.ts';
import { hasFlag, setFlag, transition } from './object-state.ts';
import { type RelationEffects, relationEffects, type Unlink } from './relation-plan.ts';
import { type RelationMeta, relationsOf, setLoaded, slotOf, unload } from './relations.ts';
import { objectRowEncoder } from './row-encoder.ts';
import { encodeColumn, newValue, prefixIssues, throwIfIssues, type UpdateShape } from './validate.ts';
import { WriteResult } from './write-result.ts';

/** A queued operation of a session. */
export type Op =
  | { readonly kind: 'insert'; readonly entity: Entity; readonly meta: ModelMeta }
  | { readonly kind: 'delete'; readonly entity: Entity; readonly meta: ModelMeta }
  | UpdateRun
  | { readonly kind: 'deleteWhere'; readonly meta: ModelMeta; readonly where: CompiledWhere; readonly result: WriteResult }
  | { readonly kind: 'raw'; readonly statement: Statement; readonly result: WriteResult }
  | {
      readonly kind: 'bulk';
      readonly meta: ModelMeta;
      readonly statements: Statement[];
      /** Rows of each statement (a plain INSERT inserts all its rows or fails). */
      readonly counts: readonly number[];
      readonly result: WriteResult;
    }
  | {
      readonly kind: 'upsert';
      readonly entity: Entity;
      readonly meta: ModelMeta;
      readonly params: SqlValue[];
      readonly target: readonly string[];
      readonly updateCols: readonly ColumnMeta[];
    };

/**
 * Consecutive `updateWhere` calls of one shape (model, SET columns and operators, WHERE shape), queued as one
 * operation: each call adds its values and its result, nothing else (see `Session.updateWhere`). Planned as
 * one statement run once per call (`Statement.repeat`), or one UPDATE per call when rows come back, in call
 * order either way: the database sees what one operation per call would have sent.
 */
export interface UpdateRun {
  readonly kind: 'updateWhere';
  readonly meta: ModelMeta;
  /** The shared shape of the SET list (no values: a queued update keeps only what is its own). */
  readonly update: UpdateShape;
  /** The WHERE clause's shape key and SQL (cached strings). */
  readonly where: { readonly key: string; readonly sql: string };
  /** Parameters per call: its SET values, then its WHERE values. */
  readonly width: number;
  /** Every call's parameters, one after the other (`width` each). */
  readonly params: SqlValue[];
  /** Every call's result, in call order. */
  readonly results: WriteResult[];
  /** Whether later calls may still join; a plan closes every run it takes (see {@link UnitOfWork.plan}). */
  open: boolean;
}

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

/** What an UPDATE returns when only its row count is wanted (`DriverCapabilities.countByReturning`): the ids. */
const COUNTED_BY_ID: { readonly cols: readonly ColumnMeta[]; readonly names: readonly string[] } = Object.freeze({
  cols: Object.freeze([]),
  names: Object.freeze(['id']),
});

/** The step of a run of `updateWhere` calls: settles their results, refreshes loaded objects from the RETURNING rows. */
class UpdateWhereStep implements StepObject {
  start = 0;
  readonly count: number;
  readonly #uow: UnitOfWork;
  readonly #op: UpdateRun;
  readonly #returned: { readonly cols: readonly ColumnMeta[] } | undefined;
  readonly touch: Touch;

  constructor(uow: UnitOfWork, op: UpdateRun, returned: { readonly cols: readonly ColumnMeta[] } | undefined, touch: Touch, count: number) {
    this.count = count;
    this.#uow = uow;
    this.#op = op;
    this.#returned = returned;
    this.touch = touch;
  }

  apply(results: readonly StatementResult[], at: number): void {
    const returned = this.#returned;
    const settled = this.#op.results;
    const each = this.count === 1 ? (results[at] as StatementResult).changesEach : undefined;
    if (each !== undefined) {
      // One repeated statement: its runs' changes, in order.
      for (let k = 0; k < settled.length; k++) WriteResult.settle(settled[k] as WriteResult, each[k] as number);
      return;
    }
    for (let k = 0; k < settled.length; k++) {
      const res = results[at + k] as StatementResult;
      WriteResult.settle(settled[k] as WriteResult, returned ? res.rows.length : res.changes);
      if (returned && returned.cols.length > 0) this.#uow.refreshReturned(this.#op.meta, returned.cols, res.rows);
    }
  }
}

/**
 * The step of a run of `updateWhere` calls by id sent as `UPDATE … FROM (VALUES …)` statements (see
 * {@link updateByIdsSql}): call `k` changed its row exactly when its id came back from its statement.
 */
class UpdateByIdsStep implements StepObject {
  start = 0;
  readonly count: number;
  readonly #uow: UnitOfWork;
  readonly #op: UpdateRun;
  /** The number of calls each statement carries, in order. */
  readonly #sizes: readonly number[];
  /** The columns returned to refresh loaded objects (`id` first), or `undefined` when only ids come back. */
  readonly #refresh: readonly ColumnMeta[] | undefined;
  readonly touch: Touch;

  constructor(uow: UnitOfWork, op: UpdateRun, sizes: readonly number[], touch: Touch, refresh: readonly ColumnMeta[] | undefined) {
    this.count = sizes.length;
    this.#uow = uow;
    this.#op = op;
    this.#sizes = sizes;
    this.#refresh = refresh;
    this.touch = touch;
  }

  apply(results: readonly StatementResult[], at: number): void {
    const { results: settled, params, width } = this.#op;
    let call = 0;
    for (let i = 0; i < this.#sizes.length; i++) {
      const size = this.#sizes[i] as number;
      const rows = (results[at + i] as StatementResult).rows;
      if (this.#refresh !== undefined) this.#uow.refreshReturned(this.#op.meta, this.#refresh, rows);
      const back = new Set<number>();
      for (let r = 0; r < rows.length; r++) back.add(Number((rows[r] as readonly SqlValue[])[0]));
      for (let k = 0; k < size; k++, call++) {
        const id = params[call * width + width - 1] as number;
        WriteResult.settle(settled[call] as WriteResult, back.has(id) ? 1 : 0);
      }
    }
  }
}

/**
 * How a run of `updateWhere` calls by id splits into `UPDATE … FROM (VALUES …)` statements (see {@link byIdChunks}),
 * or `undefined` when an id is not a plain number (SQLite's affinity would let `2` and `'2'` name one row).
 */
function byIdsChunks(params: readonly SqlValue[], width: number, n: number, limits: DriverLimits, what: string): number[] | undefined {
  for (let k = 0; k < n; k++) if (typeof params[k * width + width - 1] !== 'number') return undefined;
  return byIdChunks((k) => params[k * width + width - 1] as number, n, width, limits, what);
}

/**
 * Rows of `UPDATE … FROM (VALUES …)` statements for `n` items with ids `idOf(k)`, in order: chunks under the
 * parameter limit (full chunks, then powers of two, as inserts), cut wherever an id repeats, since SQLite applies
 * one arbitrary VALUES row per target row and a later item must see the earlier one's row.
 */
function byIdChunks(idOf: (k: number) => number, n: number, width: number, limits: DriverLimits, what: string): number[] {
  const sizes: number[] = [];
  let seen = new Set<number>();
  let size = 0;
  for (let k = 0; k < n; k++) {
    const id = idOf(k);
    if (seen.has(id)) {
      for (const c of insertChunks(size, width, limits, what)) sizes.push(c);
      seen = new Set();
      size = 0;
    }
    seen.add(id);
    size++;
  }
  for (const c of insertChunks(size, width, limits, what)) sizes.push(c);
  return sizes;
}

/**
 * After a `StaleDataError` with no id (a statement that updated several loaded objects of `table`): the objects
 * that statement expected to find, to learn which one's row is gone or at another version.
 */
export function staleCandidates(
  plan: Plan,
  table: string,
): { readonly meta: ModelMeta; readonly rows: ReturnType<DirtyByIdsStep['rows']> }[] {
  const out: { meta: ModelMeta; rows: ReturnType<DirtyByIdsStep['rows']> }[] = [];
  for (const step of plan.steps) {
    if (step instanceof DirtyByIdsStep && step.touch.meta.tableName === table) out.push({ meta: step.touch.meta, rows: step.rows() });
  }
  return out;
}

/** The plan of one commit. */
export interface Plan {
  readonly statements: Statement[];
  readonly steps: Step[];
  /** The queued operations this plan covers (taken from the queue when the batch is sent). */
  readonly ops: readonly Op[];
  /** New objects reached through relationships, inserted with this plan (pending while it is in flight). */
  readonly cascaded: readonly Entity[];
}

/**
 * Rows inserted per table so far in the batch being planned. A foreign key to an object inserted earlier in
 * the same batch is computed in SQL from `sqlite_sequence` (AUTOINCREMENT's last id of that table): that
 * object's id is `seq - d`, where `d` counts the rows of its table inserted after it — exact as long as every
 * insert into the table since was planned here with a known row count (a post-condition enforces it).
 * A raw statement, or an upsert into the table, may move the sequence unpredictably: referring across one is
 * refused.
 */
class SeqTracker {
  readonly #cum = new Map<string, number>();
  readonly #uncertain = new Map<string, number>();
  #uncertainAll = -1;

  /** Records `rows` inserted into `table` by statement `at`; returns the count before them. */
  inserted(table: string, rows: number): number {
    const before = this.#cum.get(table) ?? 0;
    this.#cum.set(table, before + rows);
    return before;
  }

  /** Statement `at` may have moved `table`'s sequence (every table's, for `undefined`). */
  uncertain(table: string | undefined, at: number): void {
    if (table === undefined) this.#uncertainAll = at;
    else this.#uncertain.set(table, at);
  }

  cum(table: string): number {
    return this.#cum.get(table) ?? 0;
  }

  /** True when nothing since statement `since` may have moved `table`'s sequence. */
  certainSince(table: string, since: number): boolean {
    return Math.max(this.#uncertainAll, this.#uncertain.get(table) ?? -1) < since;
  }
}

/** One row to insert on the relationship-aware path: an object's, or an association row (no object). */
interface NewRow {
  readonly meta: ModelMeta;
  readonly entity: Entity | undefined;
  /** Encoded values in select order (slots 0 and the last two take id and timestamps from RETURNING). */
  readonly values: SqlValue[];
  /** Foreign-key columns that point at objects inserted in the same batch. */
  readonly deps: Map<ColumnMeta, Entity>;
  run: number;
  level: number;
  /** Statement index and the table's running row count after this row, once planned. */
  stmt: number;
  cumAtRow: number;
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
  returned(update: UpdateShape): { readonly cols: readonly ColumnMeta[]; readonly names: readonly string[] };
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

/** What every UPDATE of one loaded object's changed columns shares, per model and set of changed columns. */
interface DirtyShape {
  readonly cols: readonly ColumnMeta[];
  readonly sql: string;
  readonly paramNames: readonly string[];
  /** The RETURNING columns: updated_at (and the version). */
  readonly returned: readonly string[];
  readonly touch: Touch;
  readonly updatedAt: ColumnMeta;
  readonly version: ColumnMeta | undefined;
}

const dirtyShapes = new WeakMap<ModelMeta, Map<number, DirtyShape>>();

/** The shape of the changed columns in `mask` (bit = column position) plus `wide` (positions ≥ 31, not cached). */
function dirtyShapeOf(meta: ModelMeta, mask: number, wide: readonly ColumnMeta[] | undefined): DirtyShape {
  let byMask = dirtyShapes.get(meta);
  if (byMask === undefined) {
    byMask = new Map();
    dirtyShapes.set(meta, byMask);
  }
  if (wide === undefined) {
    const known = byMask.get(mask);
    if (known !== undefined) return known;
  }
  const cols = meta.columns.filter((c) => c.position < 31 && (mask & (1 << c.position)) !== 0).concat(wide ?? []);
  const version = meta.version;
  const shape: DirtyShape = {
    cols,
    sql: updateByIdSql(meta, cols),
    paramNames: cols.map((c) => `${meta.tableName}.${c.name}`),
    returned: version ? ['updated_at', version.name] : ['updated_at'],
    touch: { meta, cols },
    updatedAt: meta.byName.get('updated_at') as ColumnMeta,
    version,
  };
  if (wide === undefined) byMask.set(mask, shape);
  return shape;
}

/** The step of one changed loaded object's UPDATE: its snapshot and timestamps follow after commit. */
class DirtyStep implements StepObject {
  start = 0;
  readonly count = 1;
  readonly touch: Touch;
  readonly #uow: UnitOfWork;
  readonly #entity: Entity;
  readonly #snap: readonly SqlValue[];
  readonly #shape: DirtyShape;
  readonly #params: readonly SqlValue[];

  constructor(uow: UnitOfWork, entity: Entity, snap: readonly SqlValue[], shape: DirtyShape, params: readonly SqlValue[]) {
    this.#uow = uow;
    this.#entity = entity;
    this.#snap = snap;
    this.#shape = shape;
    this.#params = params;
    this.touch = shape.touch;
  }

  apply(results: readonly StatementResult[], at: number): void {
    const row = (results[at] as StatementResult).rows[0] ?? NO_VALUES;
    this.#uow.applyDirty(this.#entity, this.#snap, this.#shape, this.#params, row);
  }
}

/** What each value of a {@link dirtyByIdsSql} statement of `rows` objects is, for limit errors. */
function dirtyNames(meta: ModelMeta, shape: DirtyShape, rows: number): string[] {
  const one = [...shape.paramNames, `${meta.tableName}.id`];
  if (shape.version) one.push(`${meta.tableName}.${shape.version.name}`);
  const out: string[] = [];
  for (let r = 0; r < rows; r++) for (const name of one) out.push(name);
  return out;
}

/** A changed loaded object waiting for its UPDATE, when the changes of several go as one statement. */
interface DirtyEntry {
  readonly e: Entity;
  readonly snap: readonly SqlValue[];
  readonly shape: DirtyShape;
  readonly params: readonly SqlValue[];
  readonly id: number;
}

/** The step of several changed loaded objects updated by one statement ({@link dirtyByIdsSql}): rows by id. */
class DirtyByIdsStep implements StepObject {
  start = 0;
  readonly count = 1;
  readonly touch: Touch;
  readonly #uow: UnitOfWork;
  readonly #entries: readonly DirtyEntry[];

  constructor(uow: UnitOfWork, entries: readonly DirtyEntry[], touch: Touch) {
    this.#uow = uow;
    this.#entries = entries;
    this.touch = touch;
  }

  /** The objects' ids and the versions they were read at (`undefined` without a version column), in order. */
  rows(): { readonly id: number; readonly version: SqlValue | undefined }[] {
    const version = this.touch.meta.version;
    return this.#entries.map((d) => ({ id: d.id, version: version ? (d.snap[version.position] ?? null) : undefined }));
  }

  apply(results: readonly StatementResult[], at: number): void {
    const rows = (results[at] as StatementResult).rows;
    const byId = new Map<number, readonly SqlValue[]>();
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as readonly SqlValue[];
      byId.set(Number(row[row.length - 1]), row);
    }
    for (const d of this.#entries) this.#uow.applyDirty(d.e, d.snap, d.shape, d.params, byId.get(d.id) ?? NO_VALUES);
  }
}

const NO_VALUES: readonly SqlValue[] = Object.freeze([]);

/**
 * A session's new objects waiting for their INSERT (queued or in flight). An object `add()`ed whose model
 * declares no relationship is recorded by a flag on the object (with its owner, the session): `add` × 10,000
 * then costs no hashing and no growing table, where a Set cost a third of the bytes `add` allocated. Every other
 * one — a model with relationships, or an object reached through one — is kept in a Set, which is what
 * iteration yields: the only objects `holders` asks for are of models that declare relationships.
 */
class PendingNew {
  readonly #set = new Set<Entity>();
  readonly #owner: object;

  constructor(owner: object) {
    this.#owner = owner;
  }

  /** Records an object `add()` just made pending in this session. */
  added(e: Entity, meta: ModelMeta): void {
    if (meta.relationDecls.size > 0) this.#set.add(e);
    else setFlag(e, ENTITY_FLAGS.pendingNew, true);
  }

  add(e: Entity): void {
    this.#set.add(e);
  }

  delete(e: Entity): void {
    setFlag(e, ENTITY_FLAGS.pendingNew, false);
    if (this.#set.size > 0) this.#set.delete(e);
  }

  has(e: Entity): boolean {
    return this.#set.has(e) || (hasFlag(e, ENTITY_FLAGS.pendingNew) && entityState.owner(e) === this.#owner);
  }

  /** The recorded objects of models that declare relationships, and those reached through one. */
  [Symbol.iterator](): IterableIterator<Entity> {
    return this.#set.values();
  }
}

/** The pending work and the objects of one session. */
export class UnitOfWork {
  readonly identity = new IdentityMap();
  /** Queued operations, in call order. */
  ops: Op[] = [];
  /** How many times the queue was discarded: a commit compares it before and after its batch. */
  discards = 0;
  /** New objects waiting for their INSERT (queued or in flight). */
  readonly pendingNew: PendingNew;
  /** Loaded objects waiting for their DELETE. */
  readonly pendingDelete = new Set<Entity>();
  readonly #owner: object;
  readonly #limits: DriverLimits;
  /** Count this unit's own UPDATEs and DELETEs by their RETURNING rows (see `DriverCapabilities.countByReturning`). */
  readonly #countByReturning: boolean;
  /** Inside an interactive transaction: what flushed objects were, in order (see {@link revert}). */
  readonly #journal: Memento[] | undefined;
  readonly #remembered: Set<Entity> | undefined;
  readonly #newModels = new Set<ModelMeta>();
  /** Objects whose rows the batch being applied deleted (see {@link #afterDeletes}). */
  #deletedNow: Entity[] = [];
  /** Loaded objects the plan being built updates by id (a later foreign-key update expects the bumped version). */
  readonly #dirtyPlanned = new Set<Entity>();

  constructor(owner: object, limits: DriverLimits, inTransaction: boolean, countByReturning = false) {
    this.#owner = owner;
    this.pendingNew = new PendingNew(owner);
    this.#limits = limits;
    this.#countByReturning = countByReturning;
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
      if (Array.isArray(sts)) for (let k = 0; k < sts.length; k++) statements.push(sts[k] as Statement);
      else statements.push(sts as Statement);
      if (typeof apply === 'function') steps.push({ start, count: statements.length - start, apply, touch });
      else {
        apply.start = start;
        steps.push(apply);
      }
    };
    const ops = this.ops;
    this.#dirtyPlanned.clear();
    const effects = this.#relationEffects(ops);
    const seq = new SeqTracker();
    this.#planDirty(add, issues, effects);
    const rel = effects ? this.#relationPlan(effects, ops, issues) : undefined;
    if (effects) {
      for (const e of effects.orphans) this.#planDelete(metaOf(e.constructor), e, add);
      for (const u of effects.unlinks) this.#planUnlink(u, add);
    }
    const checkedFirst = this.#checkVersionsFirst(add);
    // Models that get new objects in this unit: a later updateWhere/deleteWhere may touch them too.
    this.#newModels.clear();
    // Index loops on the commit path: it runs once per commit, before V8 optimizes it, where a for…of over
    // 10,000 operations would allocate an iterator result per element (≈ 40 bytes each).
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Op;
      if (op.kind === 'insert' || op.kind === 'upsert') this.#newModels.add(op.meta);
      // Planned now: a later updateWhere starts a run of its own (this one may be sent, or put back as it is).
      else if (op.kind === 'updateWhere') op.open = false;
    }
    if (effects) for (const e of effects.cascaded.keys()) this.#newModels.add(metaOf(e.constructor));
    let run = 0;
    for (let i = 0; i < ops.length; ) {
      const op = ops[i] as Op;
      if (op.kind === 'insert') {
        let j = i + 1;
        if (rel) {
          while (j < ops.length && (ops[j] as Op).kind === 'insert') j++;
          this.#planRun(rel, run, statements, add, seq, issues);
          run++;
          i = j;
          continue;
        }
        while (j < ops.length && (ops[j] as Op).kind === 'insert' && (ops[j] as { meta: ModelMeta }).meta === op.meta) j++;
        seq.inserted(op.meta.tableName, j - i);
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
          this.#planDelete(op.meta, op.entity, add, !checkedFirst.has(op));
          break;
        case 'updateWhere':
          this.#planUpdateWhere(op, add);
          break;
        case 'deleteWhere':
          this.#planDeleteWhere(op, add);
          break;
        case 'raw':
          seq.uncertain(undefined, statements.length);
          add(op.statement, (r, at) => WriteResult.settle(op.result, (r[at] as StatementResult).changes), undefined);
          break;
        case 'bulk':
          // Each statement's row count is known (a plain multi-row INSERT inserts all its rows or fails).
          for (const n of op.counts) seq.inserted(op.meta.tableName, n);
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
          // The conflict path may or may not take a sequence number: referring across it is refused.
          seq.uncertain(op.meta.tableName, statements.length);
          this.#planUpsert(op, add);
          break;
      }
    }
    if (rel) {
      // New objects reached only from stored ones, association rows between stored objects, and foreign-key
      // updates of stored objects: a last run after every queued operation.
      this.#planRun(rel, run, statements, add, seq, issues);
      add([], () => this.#applyRelations(effects as RelationEffects));
    }
    add([], () => this.#afterDeletes());
    throwIfIssues(issues, 'invalid unit of work; nothing was written');
    return { statements, steps, ops, cascaded: effects ? [...effects.cascaded.keys()] : [] };
  }

  /**
   * One UPDATE per changed loaded object, of its changed columns only, by id (and version). Foreign keys a
   * relationship changed count as changed columns (those pointing at new objects are set later, see
   * {@link #planRun}).
   */
  #planDirty(add: Add, issues: ValidationIssue[], effects: RelationEffects | undefined): void {
    const dirty: DirtyEntry[] = [];
    // Rows changed through one of their objects, where a row may have several (upsert aliases).
    const changedRows = this.identity.hasAliases ? new Map<ModelMeta, Set<number>>() : undefined;
    this.identity.forEach((e, meta) => {
      if (entityState.state(e) !== 'persistent' || hasFlag(e, ENTITY_FLAGS.expired)) return;
      const snap = entityState.snapshot(e);
      if (!snap) return;
      const overrides = effects?.fks.get(e);
      const rec = overrides ? withForeignKeys(e, overrides) : asRecord(e);
      const columns = meta.columns;
      // The changed columns as a bit mask of positions (the cache key of their UPDATE's shape); a model with
      // more than 31 columns lists them instead.
      let mask = 0;
      let wide: ColumnMeta[] | undefined;
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i] as ColumnMeta;
        if (overrides?.has(c) && !isStoredParent(overrides.get(c) ?? null)) continue;
        if (sameAsStored(c.kind, rec[c.name], snap[c.position] ?? null)) continue;
        if (c.managed) {
          issues.push({
            path: [meta.name, toId(snap[0] ?? null), c.name],
            message: `${c.name} is managed by litedao and cannot be changed`,
          });
          continue;
        }
        if (c.position < 31) mask |= 1 << c.position;
        else if (wide === undefined) wide = [c];
        else wide.push(c);
      }
      if (mask === 0 && wide === undefined) return;
      const id = toId(snap[0] ?? null);
      if (changedRows !== undefined) {
        let ids = changedRows.get(meta);
        if (ids === undefined) {
          ids = new Set();
          changedRows.set(meta, ids);
        }
        if (ids.has(id)) {
          // Two UPDATEs of one row from two objects: the second would silently undo the first (or be stale).
          issues.push({
            path: [meta.name, id],
            message: 'changed through two objects of this row (an upsert returned a second object for it): change it through one',
          });
          return;
        }
        ids.add(id);
      }
      this.#dirtyPlanned.add(e);
      const shape = dirtyShapeOf(meta, mask, wide);
      const cols = shape.cols;
      const version = meta.version;
      const n = cols.length;
      const params: SqlValue[] = new Array(version ? n + 2 : n + 1);
      const before = issues.length;
      for (let k = 0; k < n; k++) {
        const c = cols[k] as ColumnMeta;
        params[k] = encodeColumn(c, rec[c.name], issues, NO_PATH);
      }
      if (issues.length > before) prefixIssues(issues, before, [meta.name, id]);
      params[n] = id;
      if (version) params[n + 1] = snap[version.position] ?? null;
      dirty.push({ e, snap, shape, params, id });
    });
    this.#addDirtyByIds(add, dirty);
  }

  /** One changed loaded object's UPDATE, with the post-condition "1 row". */
  #addDirty(add: Add, meta: ModelMeta, e: Entity, snap: readonly SqlValue[], shape: DirtyShape, params: SqlValue[], id: number): void {
    add(
      {
        sql: shape.sql,
        params,
        returnsRows: true,
        columns: shape.returned,
        paramNames: shape.paramNames,
        expect: { changes: 1, table: meta.tableName, id, verb: 'update' },
      },
      new DirtyStep(this, e, snap, shape, params),
    );
  }

  /**
   * The changed loaded objects: consecutive objects with the same changed columns go as one {@link dirtyByIdsSql}
   * statement per chunk under the parameter limit, with the post-condition "every object's row" (its
   * `StaleDataError` names no row; the session then reads the chunk's rows to name it, see `staleCandidates`).
   * Columns of a declared UNIQUE constraint stay one statement per object (see {@link canSetByIds}), in the same
   * order as before.
   */
  #addDirtyByIds(add: Add, dirty: readonly DirtyEntry[]): void {
    for (let i = 0; i < dirty.length; ) {
      const first = dirty[i] as DirtyEntry;
      const shape = first.shape;
      const meta = shape.touch.meta;
      const width = first.params.length;
      let j = i + 1;
      while (j < dirty.length && (dirty[j] as DirtyEntry).shape === shape) j++;
      const merge = j - i > 1 && canSetByIds(meta, shape.cols, width);
      const sizes = merge
        ? byIdChunks((k) => (dirty[i + k] as DirtyEntry).id, j - i, width, this.#limits, `updates of ${meta.tableName}`)
        : Array<number>(j - i).fill(1);
      for (let c = 0, k = i; c < sizes.length; c++) {
        const size = sizes[c] as number;
        if (size === 1) {
          const d = dirty[k] as DirtyEntry;
          this.#addDirty(add, meta, d.e, d.snap, shape, d.params as SqlValue[], d.id);
        } else {
          const chunk = dirty.slice(k, k + size);
          const params: SqlValue[] = [];
          for (const d of chunk) for (let p = 0; p < width; p++) params.push(d.params[p] as SqlValue);
          add(
            {
              sql: dirtyByIdsSql(meta, shape.cols, size),
              params,
              returnsRows: true,
              columns: [...shape.returned, 'id'],
              paramNames: dirtyNames(meta, shape, size),
              expect: { changes: size, table: meta.tableName, verb: 'update' },
            },
            new DirtyByIdsStep(this, chunk, shape.touch),
          );
        }
        k += size;
      }
      i = j;
    }
  }

  /** @internal After commit: a changed loaded object's snapshot takes the values written and the returned updated_at (and version). */
  applyDirty(e: Entity, snap: readonly SqlValue[], shape: DirtyShape, params: readonly SqlValue[], row: readonly SqlValue[]): void {
    this.#remember(e);
    const cols = shape.cols;
    const next = snap.slice();
    for (let k = 0; k < cols.length; k++) next[(cols[k] as ColumnMeta).position] = own(params[k] ?? null);
    next[shape.updatedAt.position] = row[0] ?? null;
    const version = shape.version;
    if (version) next[version.position] = row[1] ?? null;
    entityState.setSnapshot(e, next);
    this.#decodeInto(e, shape.updatedAt, row[0] ?? null);
    if (version) this.#decodeInto(e, version, row[1] ?? null);
    if (this.identity.hasAliases) {
      const canonical = this.identity.get(shape.touch.meta, toId(snap[0] ?? null));
      if (canonical !== undefined)
        for (const other of this.identity.withAliases(canonical)) if (other !== e) this.#followAlias(other, shape, next);
    }
  }

  /**
   * Another object of a row just updated through one of them (an upsert alias): its snapshot takes the written
   * columns, updated_at and version, and its values too where it has no unsaved change of its own.
   */
  #followAlias(other: Entity, shape: DirtyShape, next: readonly SqlValue[]): void {
    const old = entityState.snapshot(other);
    if (old === undefined || entityState.state(other) !== 'persistent') return;
    this.#remember(other);
    const rec = asRecord(other);
    const snap = old.slice();
    const take = (c: ColumnMeta, always: boolean) => {
      const raw = next[c.position] ?? null;
      if (always || sameAsStored(c.kind, rec[c.name], old[c.position] ?? null)) this.#decodeInto(other, c, raw);
      snap[c.position] = raw;
    };
    for (const c of shape.cols) take(c, false);
    take(shape.updatedAt, true);
    if (shape.version) take(shape.version, true);
    entityState.setSnapshot(other, snap);
  }

  #planInserts(meta: ModelMeta, entities: Entity[], add: Add, issues: ValidationIssue[]): void {
    const cols = meta.userColumns;
    const width = cols.length;
    const n = entities.length;
    // Each row is encoded into an array of the model's full width, which becomes the object's snapshot after
    // commit (slots 0 and the last two take id and the timestamps from RETURNING).
    const rows: SqlValue[][] = new Array(n);
    const fast = objectRowEncoder(meta);
    for (let k = 0; k < n; k++) {
      const rec = asRecord(entities[k] as Entity);
      const row: SqlValue[] = new Array(width + 3);
      row[0] = null;
      if (!fast(rec, row, 1)) {
        const before = issues.length;
        for (let c = 0; c < width; c++) {
          const col = cols[c] as ColumnMeta;
          row[c + 1] = encodeColumn(col, rec[col.name], issues, NO_PATH);
        }
        if (issues.length > before) prefixIssues(issues, before, [meta.name, k]);
      }
      row[width + 1] = null;
      row[width + 2] = null;
      rows[k] = row;
    }
    const chunks = insertChunks(n, width, this.#limits, `insert into ${meta.tableName}`);
    const collections = emptyOnInsert(meta);
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
        [
          {
            sql: insertSql(meta, size),
            params,
            returnsRows: true,
            columns: ['id', 'created_at', 'updated_at'],
            paramNames: insertParamNames(meta, size),
            expect: { changes: size, table: meta.tableName, verb: 'insert' },
          },
        ],
        (r, stmt) => this.#applyInserts(meta, entities, rows, first, size, (r[stmt] as StatementResult).rows, collections),
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
    collections: readonly RelationMeta[],
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
    // The rows of one INSERT share their default timestamps (one "now" per statement): the snapshots keep one
    // string object for equal texts instead of two per row (the driver's copies die young).
    let stamp: SqlValue = null;
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
      const createdText = ret[1] ?? null;
      const updatedText = ret[2] ?? null;
      if (createdText !== stamp) stamp = createdText;
      row[width + 1] = stamp;
      row[width + 2] = updatedText === stamp ? stamp : updatedText;
      if (blobs) for (let c = 1; c <= width; c++) row[c] = own(row[c] as SqlValue);
      asRecord(e).id = id;
      this.#decodeInto(e, created, createdText);
      this.#decodeInto(e, updated, updatedText);
      entityState.setSnapshot(e, row);
      transition(e, 'persistent', this.#owner);
      this.pendingNew.delete(e);
      setFlag(e, ENTITY_FLAGS.inFlight, false);
      this.identity.set(meta, id, e);
      for (let c = 0; c < collections.length; c++) {
        const rel = collections[c] as RelationMeta;
        if (slotOf(e, rel.name) === undefined) setLoaded(e, rel, rel.toMany ? [] : null);
      }
    }
  }

  /**
   * A queued delete of a versioned object comes after the unit's own statements that may bump versions of its
   * model (updateWhere, upsert, raw SQL): its version condition would then fail on the unit's own write. Its
   * version is checked here instead, before them (nobody else writes during the batch), and its DELETE goes by
   * id. Returns the delete operations so planned.
   */
  #checkVersionsFirst(add: Add): Set<Op> {
    const out = new Set<Op>();
    const ops = this.ops;
    // The common unit has no delete of a versioned object: one cheap pass (an index loop, see plan()).
    let any = false;
    for (let i = 0; i < ops.length && !any; i++) {
      const op = ops[i] as Op;
      any = op.kind === 'delete' && op.meta.version !== undefined;
    }
    if (!any) return out;
    const bumped = new Set<ModelMeta>();
    let raw = false;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Op;
      if (op.kind === 'updateWhere' || op.kind === 'upsert') bumped.add(op.meta);
      else if (op.kind === 'raw') raw = true;
      else if (op.kind === 'delete' && op.meta.version && (raw || bumped.has(op.meta))) {
        const snap = entityState.snapshot(op.entity) as SqlValue[];
        const id = toId(snap[0] ?? null);
        add(
          {
            sql: versionCheckSql(op.meta),
            params: [id, snap[op.meta.version.position] ?? null],
            returnsRows: false,
            expect: { changes: 1, table: op.meta.tableName, id, verb: 'delete' },
          },
          () => undefined,
        );
        out.add(op);
      }
    }
    return out;
  }

  #planDelete(meta: ModelMeta, e: Entity, add: Add, checkVersion = true): void {
    const snap = entityState.snapshot(e) as SqlValue[];
    const id = toId(snap[0] ?? null);
    const params: SqlValue[] = [id];
    if (meta.version && checkVersion) params.push(snap[meta.version.position] ?? null);
    add(
      {
        sql: deleteByIdSql(meta, checkVersion),
        params,
        returnsRows: false,
        expect: { changes: 1, table: meta.tableName, id, verb: 'delete' },
      },
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
    setFlag(e, ENTITY_FLAGS.inFlight, false);
    if (entityState.state(e) !== 'detached') transition(e, 'detached');
    setFlag(e, ENTITY_FLAGS.rowDeleted, true);
    this.#deletedNow.push(e);
  }

  #planUpdateWhere(op: UpdateRun, add: Add): void {
    const { meta, update, where, width, params } = op;
    // Objects of this model in the session may be among the rows changed: return the changed rows so their
    // values can be refreshed at commit. Without such objects, nothing needs to come back — but their ids on a
    // driver that counts by RETURNING (D1, Durable Objects).
    const refresh = this.identity.holds(meta) || this.#newModels.has(meta);
    const returning = refresh || this.#countByReturning;
    const shape = updateShapeOf(meta, update.cols);
    const returned = refresh ? shape.returned(update) : returning ? COUNTED_BY_ID : undefined;
    const sql = updateWhereSql(meta, update, where, refresh || (returning ? 'id' : false));
    const columns = returned?.names;
    const paramNames = shape.paramNames;
    const n = op.results.length;
    if (n > 1 && where.key === (meta.byName.get('id') as ColumnMeta).eqKey && canUpdateByIds(meta, update)) {
      // A run of updates by id goes as `UPDATE … FROM (VALUES …)` statements of up to the parameter limit's calls
      // each, every one returning the ids it changed (and the rows, to refresh loaded objects).
      const sizes = byIdsChunks(params, width, n, this.#limits, `updates of ${meta.tableName}`);
      if (sizes !== undefined) {
        const byIds = refresh ? shape.returned(update) : COUNTED_BY_ID;
        const one = updateWhereSql(meta, update, where, refresh || 'id');
        const statements: Statement[] = new Array(sizes.length);
        for (let i = 0, call = 0; i < sizes.length; i++) {
          const size = sizes[i] as number;
          const chunk = params.slice(call * width, (call + size) * width);
          statements[i] =
            size === 1
              ? { sql: one, params: chunk, returnsRows: true, columns: byIds.names, paramNames }
              : {
                  sql: updateByIdsSql(meta, update, size, refresh),
                  params: chunk,
                  returnsRows: true,
                  columns: byIds.names,
                  paramNames: paramNames && Array<readonly string[]>(size).fill(paramNames).flat(),
                };
          call += size;
        }
        add(statements, new UpdateByIdsStep(this, op, sizes, shape.touch, refresh ? byIds.cols : undefined));
        return;
      }
    }
    if (n === 1 || !refresh) {
      // One statement, run n times (see Statement.repeat): nothing per update but its values and its result. On a
      // driver counting by RETURNING each run's count is its returned ids (the runtime driver expands it for a
      // driver that cannot run it as one).
      add(
        { sql, params, returnsRows: returning, columns, paramNames, repeat: n === 1 ? undefined : n },
        new UpdateWhereStep(this, op, returned, shape.touch, 1),
      );
      return;
    }
    // Rows come back: one statement per update, each with its own rows.
    const statements: Statement[] = new Array(n);
    for (let k = 0; k < n; k++) {
      statements[k] = { sql, params: params.slice(k * width, (k + 1) * width), returnsRows: true, columns, paramNames };
    }
    add(statements, new UpdateWhereStep(this, op, returned, shape.touch, n));
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
    const returning = this.#countByReturning || this.identity.holds(meta) || this.#newModels.has(meta);
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
        setFlag(entity, ENTITY_FLAGS.inFlight, false);
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
  // relationships (see relation-plan.ts)

  /** What changed relationships mean for this commit, or undefined when no loaded relationship changed. */
  #relationEffects(ops: readonly Op[]): RelationEffects | undefined {
    // The common case costs a look at each model, not at each object: only models that declare relationships
    // can hold loaded relationships (and reach new objects through them).
    const related = new Set<ModelMeta>();
    for (const m of this.identity.models()) if (m.relationDecls.size > 0) related.add(m);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Op;
      if (op.kind === 'insert' && op.meta.relationDecls.size > 0) related.add(op.meta);
    }
    if (related.size === 0) return undefined;
    const objects: Entity[] = [];
    let any = false;
    const consider = (e: Entity) => {
      objects.push(e);
      if (!any && (entityState.rel(e)?.slots?.size ?? 0) > 0) any = true;
    };
    this.identity.forEach((e, meta) => {
      if (related.has(meta)) consider(e);
    });
    for (const op of ops) if (op.kind === 'insert' && related.has(op.meta)) consider(op.entity);
    if (!any) return undefined;
    const queued = new Set<Entity>();
    for (const op of ops) if (op.kind === 'insert') queued.add(op.entity);
    const fx = relationEffects(objects, (e) => queued.has(e) || this.pendingNew.has(e), this.#owner);
    const empty =
      fx.fks.size === 0 && fx.cascaded.size === 0 && fx.links.length === 0 && fx.unlinks.length === 0 && fx.orphans.length === 0;
    return empty ? undefined : fx;
  }

  /**
   * The rows the relationship-aware path inserts, each assigned to a run (a sequence of consecutive insert
   * operations; new objects reached only from stored objects go to a last run after everything queued), and
   * the foreign-key updates of stored objects that point at new ones.
   */
  #relationPlan(effects: RelationEffects, ops: readonly Op[], issues: ValidationIssue[]): RelationRuns {
    const runOf = new Map<Entity, number>();
    let run = -1;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Op;
      if (op.kind === 'insert') {
        if (i === 0 || (ops[i - 1] as Op).kind !== 'insert') run++;
        runOf.set(op.entity, run);
      }
    }
    const finalRun = run + 1;
    const isNewObject = (e: Entity) => runOf.has(e) || effects.cascaded.has(e);
    const rootRun = (e: Entity): number => {
      let cur: Entity | undefined = e;
      for (let guard = 0; cur !== undefined && guard < 1_000_000; guard++) {
        const r = runOf.get(cur);
        if (r !== undefined) return r;
        cur = effects.cascaded.get(cur);
        if (cur !== undefined && !isNewObject(cur)) return finalRun;
      }
      return finalRun;
    };
    const rows: NewRow[] = [];
    const byEntity = new Map<Entity, NewRow>();
    const encodeRow = (
      meta: ModelMeta,
      entity: Entity | undefined,
      get: (c: ColumnMeta) => unknown,
      fks: Map<ColumnMeta, Entity | null> | undefined,
      at: (string | number)[],
    ) => {
      const width = meta.userColumns.length;
      const values: SqlValue[] = new Array(width + 3).fill(null);
      const deps = new Map<ColumnMeta, Entity>();
      for (let c = 0; c < width; c++) {
        const col = meta.userColumns[c] as ColumnMeta;
        if (fks?.has(col)) {
          const parent = fks.get(col) ?? null;
          if (parent !== null && isNewObject(parent)) deps.set(col, parent);
          else values[c + 1] = parent === null ? null : (asRecord(parent).id as number);
          continue;
        }
        values[c + 1] = encodeColumn(col, get(col), issues, at);
      }
      return { meta, entity, values, deps, run: 0, level: 0, stmt: -1, cumAtRow: 0 } satisfies NewRow;
    };
    const news = [...runOf.keys(), ...effects.cascaded.keys()];
    news.forEach((e, k) => {
      const meta = metaOf(e.constructor);
      const rec = asRecord(e);
      const row = encodeRow(meta, e, (c) => rec[c.name], effects.fks.get(e), [meta.name, k]);
      row.run = rootRun(e);
      rows.push(row);
      byEntity.set(e, row);
    });
    for (const l of effects.links) {
      const through = l.through;
      const fks = new Map<ColumnMeta, Entity | null>([
        [l.a, l.aParent],
        [l.b, l.bParent],
      ]);
      const row = encodeRow(through, undefined, (c) => newValue(c, {}), fks, [through.name]);
      row.run = Math.max(-1, ...[l.aParent, l.bParent].filter(isNewObject).map((p) => (byEntity.get(p) as NewRow).run));
      if (row.run < 0) row.run = finalRun;
      rows.push(row);
    }
    // A row goes no earlier than the run of every new object it points at.
    for (let changed = true, guard = 0; changed && guard < rows.length + 1; guard++) {
      changed = false;
      for (const r of rows) {
        for (const p of r.deps.values()) {
          const pr = byEntity.get(p) as NewRow;
          if (pr.run > r.run) {
            r.run = pr.run;
            changed = true;
          }
        }
      }
    }
    const fixups: Fixup[] = [];
    for (const [e, cols] of effects.fks) {
      if (isNewObject(e) || entityState.state(e) !== 'persistent') continue;
      const pending = new Map<ColumnMeta, Entity>();
      for (const [col, parent] of cols) if (parent !== null && isNewObject(parent)) pending.set(col, parent);
      if (pending.size === 0) continue;
      const r = Math.max(...[...pending.values()].map((p) => (byEntity.get(p) as NewRow).run));
      fixups.push({ entity: e, cols: pending, run: r });
    }
    return { rows, byEntity, fixups };
  }

  /**
   * Plans the inserts of one run: rows in dependency levels (an object after the objects it points at), each
   * level grouped by model into multi-row INSERTs whose foreign keys to objects of the same batch are
   * computed from `sqlite_sequence`; then the run's foreign-key updates of stored objects.
   */
  #planRun(rel: RelationRuns, run: number, statements: readonly Statement[], add: Add, seq: SeqTracker, issues: ValidationIssue[]): void {
    const rows = rel.rows.filter((r) => r.run === run);
    const levelOf = new Map<NewRow, number>();
    const visiting = new Set<NewRow>();
    const level = (r: NewRow): number => {
      const known = levelOf.get(r);
      if (known !== undefined) return known;
      if (visiting.has(r)) {
        issues.push({ path: [r.meta.name], message: 'new objects refer to each other in a cycle; commit one of them first' });
        return 0;
      }
      visiting.add(r);
      let l = 0;
      for (const p of r.deps.values()) {
        const pr = rel.byEntity.get(p) as NewRow;
        if (pr.run === run) l = Math.max(l, level(pr) + 1);
      }
      visiting.delete(r);
      levelOf.set(r, l);
      r.level = l;
      return l;
    };
    let max = -1;
    for (const r of rows) max = Math.max(max, level(r));
    for (let l = 0; l <= max; l++) {
      const groups = new Map<string, NewRow[]>();
      for (const r of rows) {
        if (r.level !== l) continue;
        const key = `${r.meta.tableName}|${[...r.deps.keys()].map((c) => c.name).join(',')}`;
        let g = groups.get(key);
        if (g === undefined) {
          g = [];
          groups.set(key, g);
        }
        g.push(r);
      }
      for (const g of groups.values()) this.#planRelatedInserts(rel, g, statements, add, seq, issues);
    }
    for (const f of rel.fixups) if (f.run === run) this.#planFixup(rel, f, statements, add, seq, issues);
  }

  /** The foreign-key parameters of one column: `[id, null]`, or `[null, d]` for `seq - d` (an object of this batch). */
  #fkParams(
    rel: RelationRuns,
    parent: Entity,
    seq: SeqTracker,
    issues: ValidationIssue[],
    path: (string | number)[],
  ): [SqlValue, SqlValue] {
    const pr = rel.byEntity.get(parent) as NewRow;
    const table = pr.meta.tableName;
    if (pr.stmt < 0 || !seq.certainSince(table, pr.stmt)) {
      issues.push({
        path,
        message: `refers to a new ${pr.meta.name} across a raw statement or an upsert into ${table} in the same unit of work; commit in between`,
      });
      return [null, 0];
    }
    return [null, seq.cum(table) - pr.cumAtRow];
  }

  #planRelatedInserts(
    rel: RelationRuns,
    group: NewRow[],
    statements: readonly Statement[],
    add: Add,
    seq: SeqTracker,
    issues: ValidationIssue[],
  ): void {
    const meta = (group[0] as NewRow).meta;
    const exprCols = meta.userColumns.filter((c) => (group[0] as NewRow).deps.has(c));
    const width = meta.userColumns.length;
    const collections = emptyOnInsert(meta);
    let at = 0;
    for (const size of insertChunks(group.length, width + exprCols.length, this.#limits, `insert into ${meta.tableName}`)) {
      const chunk = group.slice(at, at + size);
      at += size;
      const params: SqlValue[] = [];
      const names: string[] = [];
      for (const r of chunk) {
        for (let c = 0; c < width; c++) {
          const col = meta.userColumns[c] as ColumnMeta;
          const dep = r.deps.get(col);
          names.push(`${meta.tableName}.${col.name}`);
          if (dep !== undefined) {
            params.push(...this.#fkParams(rel, dep, seq, issues, [meta.name, col.name]));
            names.push(`${meta.tableName}.${col.name}`);
          } else params.push(r.values[c + 1] ?? null);
        }
      }
      const stmt = statements.length;
      const before = seq.inserted(meta.tableName, size);
      chunk.forEach((r, k) => {
        r.stmt = stmt;
        r.cumAtRow = before + k + 1;
      });
      add(
        [
          {
            sql: insertRelatedSql(meta, size, exprCols),
            params,
            returnsRows: true,
            columns: ['id', 'created_at', 'updated_at', ...exprCols.map((c) => c.name)],
            paramNames: names,
            expect: { changes: size, table: meta.tableName, verb: 'insert' },
          },
        ],
        (r, i) => this.#applyRelatedInserts(meta, chunk, exprCols, (r[i] as StatementResult).rows, collections),
        { meta, cols: meta.userColumns },
      );
    }
  }

  #applyRelatedInserts(
    meta: ModelMeta,
    chunk: readonly NewRow[],
    exprCols: readonly ColumnMeta[],
    returned: readonly (readonly SqlValue[])[],
    collections: readonly RelationMeta[],
  ): void {
    const byId = returned.slice().sort((a, b) => toId(a[0] ?? null) - toId(b[0] ?? null));
    const width = meta.userColumns.length;
    const created = meta.byName.get('created_at') as ColumnMeta;
    const updated = meta.byName.get('updated_at') as ColumnMeta;
    chunk.forEach((r, k) => {
      const ret = byId[k];
      const e = r.entity;
      if (!ret) {
        if (e) setFlag(e, ENTITY_FLAGS.expired, true);
        return;
      }
      const row = r.values;
      row[0] = toId(ret[0] ?? null);
      row[width + 1] = ret[1] ?? null;
      row[width + 2] = ret[2] ?? null;
      exprCols.forEach((c, i) => {
        row[c.position] = ret[3 + i] ?? null;
      });
      if (!e) return;
      this.#remember(e);
      for (let c = 1; c <= width; c++) row[c] = own(row[c] as SqlValue);
      asRecord(e).id = row[0];
      this.#decodeInto(e, created, ret[1] ?? null);
      this.#decodeInto(e, updated, ret[2] ?? null);
      exprCols.forEach((c, i) => {
        this.#decodeInto(e, c, ret[3 + i] ?? null);
      });
      entityState.setSnapshot(e, row);
      transition(e, 'persistent', this.#owner);
      this.pendingNew.delete(e);
      setFlag(e, ENTITY_FLAGS.inFlight, false);
      this.identity.set(meta, row[0] as number, e);
      for (const rel of collections) if (slotOf(e, rel.name) === undefined) setLoaded(e, rel, rel.toMany ? [] : null);
    });
  }

  /** `UPDATE … SET fk = (a new object's id) … WHERE id = ?` for a stored object moved under a new parent. */
  #planFixup(rel: RelationRuns, f: Fixup, _statements: readonly Statement[], add: Add, seq: SeqTracker, issues: ValidationIssue[]): void {
    const e = f.entity;
    const meta = metaOf(e.constructor);
    const snap = entityState.snapshot(e) as SqlValue[];
    const id = toId(snap[0] ?? null);
    const cols = [...f.cols.keys()];
    const params: SqlValue[] = [];
    for (const c of cols) params.push(...this.#fkParams(rel, f.cols.get(c) as Entity, seq, issues, [meta.name, id, c.name]));
    params.push(id);
    const version = meta.version;
    if (version) {
      const v = snap[version.position];
      params.push(this.#dirtyPlanned.has(e) && typeof v === 'number' ? v + 1 : (v ?? null));
    }
    const updatedAt = meta.byName.get('updated_at') as ColumnMeta;
    add(
      [
        {
          sql: fixupUpdateSql(meta, cols),
          params,
          returnsRows: true,
          columns: ['updated_at', ...(version ? [version.name] : []), ...cols.map((c) => c.name)],
          expect: { changes: 1, table: meta.tableName, id, verb: 'update' },
        },
      ],
      (r, at) => {
        const row = (r[at] as StatementResult).rows[0] ?? [];
        this.#remember(e);
        const next = (entityState.snapshot(e) ?? snap).slice();
        let k = 0;
        next[updatedAt.position] = row[k] ?? null;
        this.#decodeInto(e, updatedAt, row[k++] ?? null);
        if (version) {
          next[version.position] = row[k] ?? null;
          this.#decodeInto(e, version, row[k++] ?? null);
        }
        for (const c of cols) {
          next[c.position] = row[k] ?? null;
          this.#decodeInto(e, c, row[k++] ?? null);
        }
        entityState.setSnapshot(e, next);
      },
      { meta, cols },
    );
  }

  /** `DELETE FROM association WHERE a = ? AND b = ?`: an object removed from a many-to-many collection. */
  #planUnlink(u: Unlink, add: Add): void {
    const returning = this.identity.holds(u.through);
    add(
      [
        {
          sql: unlinkSql(u.through, u.a, u.b, returning),
          params: [u.aId, u.bId],
          returnsRows: returning,
          columns: returning ? ['id'] : undefined,
        },
      ],
      (r, at) => {
        if (!returning) return;
        for (const row of (r[at] as StatementResult).rows)
          for (const gone of this.identity.remove(u.through, toId(row[0] ?? null))) this.#markDeleted(gone);
      },
      { meta: u.through, cols: undefined },
    );
  }

  /**
   * After the batch: foreign-key properties and relationship snapshots follow what was written. Never throws.
   * Snapshots take what was planned, not the live values: a collection edited (or a reference assigned) while the
   * batch was in flight keeps that edit, and it differs from the snapshot, so the next commit writes it.
   */
  #applyRelations(effects: RelationEffects): void {
    const planned = effects.planned;
    for (const e of effects.slotted) {
      const slots = entityState.rel(e)?.slots;
      if (slots === undefined) continue;
      for (const slot of slots.values()) {
        if (!planned.has(slot)) continue;
        const was = planned.get(slot) as Entity | readonly Entity[] | null;
        slot.snapshot = Array.isArray(was) ? was.slice() : was;
        if (slot.value === was) {
          slot.assigned = false;
          slot.blind = false;
        }
      }
    }
    for (const [child, cols] of effects.fks) {
      if (entityState.state(child) !== 'persistent') continue;
      const meta = metaOf(child.constructor);
      for (const [col, parent] of cols) {
        const id = parent === null ? null : asRecord(parent).id;
        if (parent !== null && typeof id !== 'number') continue;
        asRecord(child)[col.name] = id;
        for (const r of relationsOf(meta, metaOf).values()) {
          if (r.kind !== 'manyToOne' || r.fk !== col) continue;
          const slot = slotOf(child, r.name);
          if (slot !== undefined) {
            slot.snapshot = parent;
            // Assigned again while in flight: that assignment stands (and is written next).
            if (!planned.has(slot) || slot.value === planned.get(slot)) {
              slot.value = parent;
              slot.assigned = false;
              slot.blind = false;
            }
          }
        }
        if (parent === null) continue;
        // The parent's loaded collections over this key hold the child now (a new parent's are loaded: empty),
        // unless they listed it when planned and the caller took it out since.
        for (const r of relationsOf(metaOf(parent.constructor), metaOf).values()) {
          if ((r.kind !== 'oneToMany' && r.kind !== 'oneToOne') || r.fk !== col || r.target !== meta) continue;
          const slot = slotOf(parent, r.name);
          if (slot === undefined) continue;
          const was = planned.get(slot);
          const listed = was !== undefined && (Array.isArray(was) ? was.includes(child) : was === child);
          if (Array.isArray(slot.value)) {
            if (!listed && !slot.value.includes(child)) slot.value.push(child);
            if (!Array.isArray(slot.snapshot)) slot.snapshot = [child];
            else if (!slot.snapshot.includes(child)) slot.snapshot = [...slot.snapshot, child];
          } else {
            if (!listed && (was === undefined || slot.value === was)) slot.value = child;
            slot.snapshot = child;
          }
        }
      }
    }
    for (const { parent, rel, child } of effects.corrections) {
      const slot = slotOf(parent, rel.name);
      if (slot === undefined) continue;
      if (Array.isArray(slot.value)) {
        const i = slot.value.indexOf(child);
        if (i >= 0) slot.value.splice(i, 1);
      } else if (slot.value === child) slot.value = null;
      if (Array.isArray(slot.snapshot)) slot.snapshot = (slot.snapshot as readonly Entity[]).filter((x) => x !== child);
      else if (slot.snapshot === child) slot.snapshot = null;
    }
  }

  /**
   * After rows were deleted: objects of the session that referenced them follow the foreign key's `onDelete`
   * as SQLite did (cascade: their rows are gone too; set null: their key is NULL now), and deleted objects
   * leave the loaded relationships of the others. Never throws.
   */
  #afterDeletes(): void {
    const deleted = this.#deletedNow;
    if (deleted.length === 0) return;
    this.#deletedNow = [];
    const gone = new Set<Entity>(deleted);
    const work: [ModelMeta, Set<number>][] = [];
    const byModel = new Map<ModelMeta, Set<number>>();
    for (const e of deleted) {
      const m = metaOf(e.constructor);
      let ids = byModel.get(m);
      if (ids === undefined) {
        ids = new Set();
        byModel.set(m, ids);
        work.push([m, ids]);
      }
      ids.add(asRecord(e).id as number);
    }
    while (work.length) {
      const [m, ids] = work.pop() as [ModelMeta, Set<number>];
      for (const model of m.metadata.models) {
        const cm = metaOf(model);
        if (!this.identity.holds(cm)) continue;
        for (const c of cm.userColumns) {
          const ref = c.config.references;
          if (!ref) continue;
          let target: ModelMeta | undefined;
          try {
            target = metaOf(ref.model());
          } catch {
            continue;
          }
          if (target !== m) continue;
          const hit: Entity[] = [];
          this.identity.forEach((e, em) => {
            if (em === cm && ids.has(asRecord(e)[c.name] as number)) hit.push(e);
          });
          if (hit.length === 0) continue;
          if (ref.onDelete === 'cascade') {
            const childIds = new Set<number>();
            for (const e of hit) {
              const id = asRecord(e).id as number;
              for (const x of this.identity.remove(cm, id)) {
                this.#markDeleted(x);
                gone.add(x);
              }
              childIds.add(id);
            }
            this.#deletedNow = [];
            work.push([cm, childIds]);
          } else if (ref.onDelete === 'set null') {
            for (const e of hit) {
              asRecord(e)[c.name] = null;
              const snap = entityState.snapshot(e);
              if (snap) {
                const next = snap.slice();
                next[c.position] = null;
                entityState.setSnapshot(e, next);
              }
            }
          } else if (ref.onDelete === 'set default') {
            for (const e of hit) setFlag(e, ENTITY_FLAGS.expired, true);
          }
        }
      }
    }
    // Deleted objects leave the loaded relationships of the objects that remain.
    this.identity.forEach((e) => {
      const slots = entityState.rel(e)?.slots;
      if (slots === undefined) return;
      for (const [name, slot] of slots) {
        if (Array.isArray(slot.value)) {
          if (!slot.value.some((x) => gone.has(x))) continue;
          const keep = slot.value.filter((x) => !gone.has(x));
          slot.value.length = 0;
          slot.value.push(...keep);
          if (Array.isArray(slot.snapshot)) slot.snapshot = (slot.snapshot as Entity[]).filter((x) => !gone.has(x));
        } else if (slot.value !== null && gone.has(slot.value as Entity)) {
          unload(e, name);
        }
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // send and apply

  /** Moves the plan's operations out of the queue (the batch is about to be sent). */
  take(plan: Plan): void {
    this.ops = this.ops.slice(plan.ops.length);
    const ops = plan.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Op;
      if (op.kind === 'insert' || op.kind === 'delete' || op.kind === 'upsert') setFlag(op.entity, ENTITY_FLAGS.inFlight, true);
    }
    for (const e of plan.cascaded) {
      // Reached through a relationship: pending (in this session) while its INSERT is in flight.
      if (entityState.state(e) === 'transient') transition(e, 'pending', this.#owner);
      this.pendingNew.add(e);
      setFlag(e, ENTITY_FLAGS.inFlight, true);
    }
  }

  /**
   * Puts the plan's operations back in front of anything queued since (the batch failed; nothing was written).
   * If the queue was discarded while the batch was in flight (`rollback()`, `close()`), the plan's work is
   * discarded too instead: a rolled-back session must not send it with its next commit.
   */
  restore(plan: Plan, discardedSince: boolean): void {
    this.ops = [...plan.ops, ...this.ops];
    for (const op of plan.ops)
      if (op.kind === 'insert' || op.kind === 'delete' || op.kind === 'upsert') setFlag(op.entity, ENTITY_FLAGS.inFlight, false);
    for (const e of plan.cascaded) {
      // Nothing was written: a new object reached through a relationship is new again (found again next commit).
      setFlag(e, ENTITY_FLAGS.inFlight, false);
      this.pendingNew.delete(e);
      if (entityState.state(e) === 'pending') transition(e, 'transient');
    }
    if (discardedSince) {
      this.#discard(plan.ops);
      this.ops = this.ops.slice(plan.ops.length);
    }
  }

  /** Applies a durable batch's results to the objects. Never throws. */
  apply(plan: Plan, results: readonly StatementResult[], offset: number): void {
    const steps = plan.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as Step;
      step.apply(results, offset + step.start);
    }
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
      entityState.setFlags(m.entity, m.flags & ~ENTITY_FLAGS.inFlight);
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
    this.#discard(this.ops);
    this.ops = [];
    this.discards++;
  }

  #discard(ops: readonly Op[]): void {
    for (const op of ops) {
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
  }

  /** Forgets every loaded object: they become detached and keep their values and snapshots. */
  detachAll(): void {
    this.identity.forEach((e) => {
      const st = entityState.state(e);
      if (st === 'persistent' || st === 'deleted') transition(e, 'detached');
    });
    this.identity.clear();
    this.pendingDelete.clear();
  }

  /** Refuses an operation on an object whose INSERT or DELETE is being sent right now. */
  assertNotInFlight(e: Entity, what: string): void {
    if (hasFlag(e, ENTITY_FLAGS.inFlight)) throw new StateError(`${what}: a commit of this object is in progress; await it first`);
  }
}

/** The rows of one relationship-aware plan (see `UnitOfWork.#relationPlan`). */
interface RelationRuns {
  readonly rows: NewRow[];
  readonly byEntity: Map<Entity, NewRow>;
  readonly fixups: Fixup[];
}

/** A stored object's foreign keys that must point at objects inserted in the same batch. */
interface Fixup {
  readonly entity: Entity;
  readonly cols: Map<ColumnMeta, Entity>;
  readonly run: number;
}

/** True for a stored object (its id is known) or null: a foreign key to it is a plain value. */
function isStoredParent(parent: Entity | null): boolean {
  if (parent === null) return true;
  const st = entityState.state(parent);
  return (st === 'persistent' || st === 'detached') && typeof asRecord(parent).id === 'number';
}

/** An object's values with the foreign keys relationships set (stored parents' ids, or null), without changing it. */
function withForeignKeys(e: Entity, fks: Map<ColumnMeta, Entity | null>): Record<string, unknown> {
  const rec = { ...asRecord(e) };
  for (const [col, parent] of fks) if (isStoredParent(parent)) rec[col.name] = parent === null ? null : asRecord(parent).id;
  return rec;
}

/**
 * The collections (and one-to-one references) a new object of `meta` is known to have after its INSERT: empty,
 * since no row could reference an id that did not exist (children inserted with it are added afterwards).
 * Resolved while planning, so a declaration error is raised before anything is sent.
 */
function emptyOnInsert(meta: ModelMeta): RelationMeta[] {
  if (meta.relationDecls.size === 0) return [];
  return [...relationsOf(meta, metaOf).values()].filter((r) => r.kind !== 'manyToOne');
}
