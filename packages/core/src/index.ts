/**
 * @litedao/core: models, validation, SQL compilation, the engine and the unit-of-work session. Adapters
 * (`@litedao/adapter-node`, `@litedao/adapter-d1`, `@litedao/adapter-wasm`) provide the driver.
 */

export type { ColumnKind } from './codec.ts';
export { formatTimestamp, parseTimestamp } from './codec.ts';
export type { ColumnConfig, ColumnsShape, InsertOf, JsonValue, ReferentialAction, RowOf, UpdateOf } from './columns.ts';
export { Column, t } from './columns.ts';
export type { Condition, Filters, Operators, OrderBy } from './compile.ts';
export { escapeLike, NOW_SQL, utf8Bytes } from './compile.ts';
export type { BaseDAOClass, BulkRecord, DAO, FindAllOptions, FindByIdsOptions, Page, PaginateOptions } from './dao.ts';
export { BaseDAO } from './dao.ts';
export { createAllSql, createAllStatements, dropAllStatements } from './ddl.ts';
export type { BaseOptions, DeclarativeBase, Metadata } from './declarative-base.ts';
export { declarativeBase } from './declarative-base.ts';
export type {
  Driver,
  DriverCapabilities,
  DriverLimits,
  SqlValue,
  Statement,
  StatementResult,
  TransactionDriver,
} from './driver.ts';
export type { SessionMaker } from './engine.ts';
export { createEngine, createSessionMaker, Engine } from './engine.ts';
export { Entity } from './entity.ts';
export type { ConstraintKind, ErrorCode, ValidationIssue } from './errors.ts';
export {
  BusyError,
  CheckConstraintError,
  CommitOutcomeUnknownError,
  ConfigurationError,
  ConnectionError,
  ConstraintError,
  DaoError,
  DatabaseError,
  DataIntegrityError,
  EngineClosedError,
  ForeignKeyConstraintError,
  IdentifierError,
  isDaoError,
  LimitExceededError,
  MultipleResultsError,
  NotFoundError,
  NotNullConstraintError,
  SchemaError,
  SessionClosedError,
  StateError,
  StorageUnavailableError,
  sqliteErrorToDaoError,
  UniqueConstraintError,
  UnsupportedError,
  ValidationError,
} from './errors.ts';
export type { StorageAdapter, StorageModel } from './grammy-storage.ts';
export { createStorageAdapter } from './grammy-storage.ts';
export type { MakerSource } from './middleware.ts';
export { sessionMiddleware, withSession } from './middleware.ts';
export type { AnyModel, Insert, ModelClass, ModelOptions, ModelSchemas, Row, Update } from './model-meta.ts';
export { metaOf } from './model-meta.ts';
export type { NamingMode } from './naming.ts';
export { checkIdentifier, quoteIdent, tableNameFor } from './naming.ts';
export type { DeleteOptions, RawResult, UpsertOptions } from './session.ts';
export { Query, Session, WriteResult } from './session.ts';
export type { SqlIdentifier, SqlQuery } from './sql.ts';
export { isSqlQuery, sql } from './sql.ts';

declare global {
  // `Engine` and `Session` are async-disposable (`await using`), so their declarations name
  // `Symbol.asyncDispose`. Declared here the way @types/node does, so an app whose `lib` predates
  // `esnext.disposable` (e.g. Vite's ES2022 + DOM template) still type-checks litedao's declarations; the
  // runtime symbol is the platform's (Node 20+, workerd, current browsers).
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}
