/**
 * @litedao/core: models, validation, SQL compilation, the engine and the unit-of-work session. Adapters
 * (`@litedao/adapter-node`, `@litedao/adapter-d1`, `@litedao/adapter-wasm`) provide the driver. The Hono
 * middleware is the separate entry point `@litedao/core/hono`.
 *
 * @module
 */

export type { Aggregate, AggregateFn, AggregateRow, AggregateSpec } from './aggregate.ts';
export { avg, count, countDistinct, isAggregate, max, min, sum } from './aggregate.ts';
export type { ColumnKind } from './codec.ts';
export { formatTimestamp, parseTimestamp } from './codec.ts';
export type { ColumnConfig, ColumnsShape, InsertOf, JsonValue, ReferentialAction, RowOf, UpdateOf } from './columns.ts';
export { Column, t } from './columns.ts';
export type { ColumnFilters, Condition, EntityFilters, Filters, Operators, OrderBy, OrderByRow, RelationFilter } from './compile.ts';
export { escapeLike, MAX_FILTER_NESTING, NOW_SQL, RELATION_NESTING, utf8Bytes } from './compile.ts';
export type { BaseDAOClass, BulkRecord, DAO, FindAllOptions, FindByIdsOptions, Page, PaginateOptions, WithOption } from './dao.ts';
export { BaseDAO } from './dao.ts';
export type { ColumnDef, CreateTableOptions, ForeignKeyDef, IndexDef, TableDef, TriggerDef } from './ddl.ts';
export { createAllSql, createAllStatements, createTableSql, dropAllStatements, tableDefOf, tableDefsOf } from './ddl.ts';
export type { BaseOptions, DeclarativeBase, Metadata } from './declarative-base.ts';
export { declarativeBase } from './declarative-base.ts';
export type {
  Driver,
  DriverCapabilities,
  DriverLimits,
  Executor,
  Expectation,
  SqlValue,
  Statement,
  StatementResult,
  TransactionDriver,
  TransactionExecutor,
} from './driver.ts';
export { DEFAULT_CAPABILITIES, DEFAULT_LIMITS } from './driver.ts';
export type { EngineOptions } from './engine.ts';
export { createEngine, Engine } from './engine.ts';
export type { ObjectState } from './entity.ts';
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
  StaleDataError,
  StateError,
  StorageUnavailableError,
  sqliteErrorToDaoError,
  UniqueConstraintError,
  UnitAlreadyAppliedError,
  UnsupportedError,
  ValidationError,
} from './errors.ts';
export type { SerializedError } from './errors-wire.ts';
export { deserializeError, serializeError } from './errors-wire.ts';
export type { ColumnExpression, ColumnRef } from './expressions.ts';
export { col, increment, isColumnExpression, isColumnRef } from './expressions.ts';
export type { StorageAdapter, StorageModel } from './grammy-storage.ts';
export { createStorageAdapter } from './grammy-storage.ts';
export type { WithOptions, WithSpec } from './loading.ts';
export type { MakerSource } from './middleware.ts';
export { sessionMiddleware, withSession } from './middleware.ts';
export type { MigrateOptions, MigrateResult, Migration, MigrationSource, MigrationState } from './migrate.ts';
export { migrate, migrationStatements, migrationStatus, migrationsTableSql, normalizeMigrations } from './migrate.ts';
export type {
  AnyModel,
  ColumnsOf,
  ConstructOf,
  Insert,
  ModelClass,
  ModelInstance,
  ModelOptions,
  ModelSchemas,
  ModelTypes,
  RelationsOf,
  RelationsOfEntity,
  Row,
  RowOfEntity,
  Update,
} from './model-meta.ts';
export { metaOf } from './model-meta.ts';
export type { NamingMode } from './naming.ts';
export { checkIdentifier, quoteIdent, tableNameFor } from './naming.ts';
export type { ObjectInfo } from './object-state.ts';
export { inspect } from './object-state.ts';
export type { OptionRule } from './options.ts';
export { checkOptions, nonNegativeInteger, nonNegativeNumber, oneOf, optionsOf } from './options.ts';
export type { AggregateFilters, CompiledQuery } from './query.ts';
export { AggregateQuery, GroupedQuery, ProjectionQuery, Query } from './query.ts';
export type { RowSchema } from './raw-rows.ts';
export type {
  ForeignKeyOf,
  ManyToManyOptions,
  ManyToOneOn,
  ManyToOneOptions,
  OneToManyOptions,
  OneToOneOptions,
  RelatedLoaders,
  Relation,
  RelationBuilder,
  RelationForeignKeys,
  RelationInit,
  RelationKind,
  RelationOptions,
  RelationsShape,
  RelationValues,
} from './relations.ts';
export type { LogOptions, QueryLogEvent, QueryLogger } from './runtime-driver.ts';
export { debugLogger, RuntimeDriver, staleDataError } from './runtime-driver.ts';
export type { DiffOptions, RenameCandidate, RenameHints, SchemaChange, SchemaDiff, SchemaSnapshot } from './schema-diff.ts';
export {
  diffSchemas,
  EMPTY_SNAPSHOT,
  mergeHints,
  migrationFileSql,
  renameCandidates,
  renameHintsOf,
  snapshotOf,
} from './schema-diff.ts';
export type { StatementRunner } from './schema-introspect.ts';
export { introspectSchema, introspectTable, schemaProblems, verifySchema } from './schema-introspect.ts';
export type { DeleteOptions, ExecuteOptions, RawResult, SessionContext, UpsertOptions } from './session.ts';
export { Session } from './session.ts';
export type { BeginOptions, ErrorClass, RetryOptions, SessionMaker } from './session-maker.ts';
export { createSessionMaker } from './session-maker.ts';
export type { SqlIdentifier, SqlQuery } from './sql.ts';
export { checkRawSql, isSqlQuery, sql } from './sql.ts';
export type { SqlTextScan, StatementSpan } from './sql-text.ts';
export { checkSingleStatement, countStatements, isTransactionControl, leadingKeyword, scanSql, splitStatements } from './sql-text.ts';
export { UNIT_TABLE } from './unit-log.ts';
export { WriteResult } from './write-result.ts';
