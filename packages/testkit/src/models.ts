/** Models the conformance suite runs on. One base per suite module; every test wipes the database first. */
import { declarativeBase, t } from '@litedao/core';

export const Base = declarativeBase();

export class User extends Base('User', {
  telegram_id: t.integer().unique(),
  username: t.text().nullable(),
  email: t.text().nullable().unique(),
  is_admin: t.boolean().default(false),
  score: t.real().default(0),
}) {}

export class Post extends Base('Post', {
  user_id: t
    .integer()
    .references(() => User, { onDelete: 'cascade' })
    .index(),
  title: t.text(),
  body: t.text().default(''),
}) {}

/** Every column kind, nullable, for value round-trips. */
export class Sample extends Base('Sample', {
  i: t.integer().nullable(),
  r: t.real().nullable(),
  s: t.text().nullable(),
  b: t.boolean().nullable(),
  ts: t.timestamp().nullable(),
  j: t.json().nullable(),
  bl: t.blob().nullable(),
  big: t.bigint().nullable(),
}) {}

/** Eight columns, for the chunking tests (D1: 12 rows per INSERT under 100 parameters). */
export class Wide extends Base('Wide', {
  c1: t.integer(),
  c2: t.integer(),
  c3: t.text(),
  c4: t.text(),
  c5: t.real(),
  c6: t.boolean(),
  c7: t.text().nullable(),
  c8: t.integer().nullable(),
}) {}

export class Category extends Base('Category', { name: t.text().unique() }) {}
export class UserProfile extends Base('UserProfile', { bio: t.text() }) {}

/** Optimistic concurrency: a version column, and a counter for atomic increments. */
export class Account extends Base('Account', {
  tid: t.integer().unique(),
  name: t.text(),
  balance: t.integer().default(0),
  version: t.version(),
}) {}

/** A blob and a JSON document with a mutable constant default, for aliasing tests. */
export class Doc extends Base('Doc', {
  data: t.blob(),
  meta: t.json().default({ tags: [] }),
}) {}

export const models = [User, Post, Sample, Wide, Category, UserProfile, Account, Doc] as const;
