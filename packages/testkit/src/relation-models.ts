/**
 * Models for the relationship tests: every relationship kind, a self-reference, an association model, and
 * each `onDelete` action. Their own declarative base (tables `rel_…`), created by the tests that use them.
 */
import { type Column, declarativeBase, t } from '@litedao/core';

export const RelBase = declarativeBase();

export class Person extends RelBase(
  'Person',
  {
    name: t.text(),
    age: t.integer().nullable(),
    referrer_id: t
      .integer()
      .nullable()
      .references(() => Person, { onDelete: 'set null' }),
  },
  {
    tableName: 'rel_people',
    relations: (r) => ({
      posts: r.oneToMany<Post>('Post', { backPopulates: 'author' }),
      profile: r.oneToOne<Profile>('Profile', { backPopulates: 'person' }),
      groups: r.manyToMany<Group>('Group', { through: 'Membership', backPopulates: 'members' }),
      referrer: r.manyToOne<Person>().on('referrer_id', { backPopulates: 'referrals' }),
      referrals: r.oneToMany<Person>('Person', { foreignKey: 'referrer_id', backPopulates: 'referrer' }),
    }),
  },
) {}

export class Post extends RelBase(
  'Post',
  {
    author_id: t.integer().references(() => Person, { onDelete: 'cascade' }),
    title: t.text(),
    score: t.integer().default(0),
    published_at: t.timestamp().nullable(),
  },
  {
    tableName: 'rel_posts',
    relations: (r) => ({
      author: r.manyToOne<Person>().on('author_id', { backPopulates: 'posts' }),
      comments: r.oneToMany<Comment>('Comment', { backPopulates: 'post', orphans: 'delete' }),
      tags: r.oneToMany<Tag>('Tag', { backPopulates: 'post' }),
    }),
  },
) {}

export class Comment extends RelBase(
  'Comment',
  {
    post_id: t.integer().references(() => Post, { onDelete: 'cascade' }),
    parent_id: t
      .integer()
      .nullable()
      .references(() => Comment, { onDelete: 'cascade' }),
    body: t.text(),
  },
  {
    tableName: 'rel_comments',
    relations: (r) => ({
      post: r.manyToOne<Post>().on('post_id', { backPopulates: 'comments' }),
      parent: r.manyToOne<Comment>().on('parent_id', { backPopulates: 'replies' }),
      replies: r.oneToMany<Comment>('Comment', { foreignKey: 'parent_id', backPopulates: 'parent' }),
    }),
  },
) {}

export class Profile extends RelBase(
  'Profile',
  {
    person_id: t
      .integer()
      .unique()
      .references(() => Person, { onDelete: 'cascade' }),
    bio: t.text(),
  },
  { tableName: 'rel_profiles', relations: (r) => ({ person: r.manyToOne<Person>().on('person_id', { backPopulates: 'profile' }) }) },
) {}

export class Group extends RelBase(
  'Group',
  { name: t.text().unique() },
  {
    tableName: 'rel_groups',
    relations: (r) => ({ members: r.manyToMany<Person>('Person', { through: 'Membership', backPopulates: 'groups' }) }),
  },
) {}

export class Membership extends RelBase(
  'Membership',
  {
    person_id: t.integer().references(() => Person, { onDelete: 'cascade' }),
    group_id: t.integer().references(() => Group, { onDelete: 'cascade' }),
    role: t.text().default('member'),
  },
  { tableName: 'rel_memberships', unique: [['person_id', 'group_id']] },
) {}

/** A nullable foreign key with `set null`: removal from the collection nullifies, deleting the post too. */
export class Tag extends RelBase(
  'Tag',
  {
    post_id: t
      .integer()
      .nullable()
      .references(() => Post, { onDelete: 'set null' }),
    label: t.text(),
  },
  { tableName: 'rel_tags', relations: (r) => ({ post: r.manyToOne<Post>().on('post_id', { backPopulates: 'tags' }) }) },
) {}

/** `onDelete: 'restrict'`: deleting a person with a ban fails with ForeignKeyConstraintError. */
export class Ban extends RelBase(
  'Ban',
  { person_id: t.integer().references(() => Person, { onDelete: 'restrict' }), reason: t.text() },
  { tableName: 'rel_bans' },
) {}

/** A wide child (60 columns + its foreign key) for D1's limits: 100 parameters, 32 function arguments. */
const readingColumns = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`v${i}`, t.integer().nullable()])) as Record<
  `v${number}`,
  Column<number, true>
>;
export class Sensor extends RelBase(
  'Sensor',
  { label: t.text() },
  { tableName: 'rel_sensors', relations: (r) => ({ readings: r.oneToMany<Reading>('Reading', { backPopulates: 'sensor' }) }) },
) {}
export class Reading extends RelBase(
  'Reading',
  { sensor_id: t.integer().references(() => Sensor, { onDelete: 'cascade' }), ...readingColumns },
  { tableName: 'rel_readings', relations: (r) => ({ sensor: r.manyToOne<Sensor>().on('sensor_id', { backPopulates: 'readings' }) }) },
) {}

export const relationModels = [Person, Post, Comment, Profile, Group, Membership, Tag, Ban, Sensor, Reading] as const;
