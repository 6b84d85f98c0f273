/**
 * The one table every target uses, declared once per library: `users(id, name, email, created_at,
 * updated_at)`. The DDL comes from litedao (`createAllSql`), so every target runs on the same schema,
 * trigger included.
 */
import { BaseDAO, createAllSql, declarativeBase, formatTimestamp, t } from '@litedao/core';
import { sql } from 'drizzle-orm';
import { customType, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { Generated } from 'kysely';
import { NOW_SQL, toDate } from './workloads.ts';

export const Base = declarativeBase();

/** litedao's model: table `users`. */
export class User extends Base('User', { name: t.text(), email: t.text() }) {}

/** litedao's DAO for it. */
export class UserDAO extends BaseDAO(User) {}

/** CREATE TABLE / trigger script for every target. */
export const SCHEMA_SQL = createAllSql([User]);

/**
 * Drizzle's declaration of the same table (timestamps stay text, as Drizzle's `text()` reads them). Drizzle
 * writes every column of an INSERT, so the database default is repeated here as SQL.
 */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  email: text('email').notNull(),
  createdAt: text('created_at')
    .notNull()
    .default(sql.raw(`(${NOW_SQL})`)),
  updatedAt: text('updated_at')
    .notNull()
    .default(sql.raw(`(${NOW_SQL})`)),
});

/**
 * A stored timestamp read as a `Date` (and written from one), the way a Drizzle user gets `Date`s from a text
 * column: `customType`, converted the same way as the raw same-work baseline (`toDate`).
 */
const timestampText = customType<{ data: Date; driverData: string }>({
  dataType: () => 'text',
  fromDriver: (value) => toDate(value),
  toDriver: (value) => formatTimestamp(value),
});

/** The same table for Drizzle with litedao's output contract: timestamps as `Date`s. */
export const usersWithDates = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  email: text('email').notNull(),
  createdAt: timestampText('created_at')
    .notNull()
    .default(sql.raw(`(${NOW_SQL})`)),
  updatedAt: timestampText('updated_at')
    .notNull()
    .default(sql.raw(`(${NOW_SQL})`)),
});

/** Kysely's view of the same table. */
export interface KyselyDatabase {
  users: {
    id: Generated<number>;
    name: string;
    email: string;
    created_at: Generated<string>;
    updated_at: Generated<string>;
  };
}
