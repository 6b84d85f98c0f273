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
export type { ColumnDef, CreateTableOptions, ForeignKeyDef, IndexDef, TableDef, TriggerDef } from './ddl.ts';
export { createAllSql, createAllStatements, createTableSql, dropAllStatements, tableDefOf, tableDefsOf } from './ddl.ts';
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
export type { MakerSource } from './middleware.ts';
export { sessionMiddleware, withSession } from './middleware.ts';
export type { MigrateOptions, MigrateResult, Migration, MigrationSource, MigrationState } from './migrate.ts';
export { migrate, migrationStatus, migrationsTableSql, normalizeMigrations, splitStatements } from './migrate.ts';
export type { AnyModel, Insert, ModelClass, ModelOptions, ModelSchemas, Row, Update } from './model-meta.ts';
export { metaOf } from './model-meta.ts';
export type { NamingMode } from './naming.ts';
export { checkIdentifier, quoteIdent, tableNameFor } from './naming.ts';
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
export type { DeleteOptions, RawResult, UpsertOptions } from './session.ts';
export { Query, Session, WriteResult } from './session.ts';
export type { SqlIdentifier, SqlQuery } from './sql.ts';
export { isSqlQuery, sql } from './sql.ts';
