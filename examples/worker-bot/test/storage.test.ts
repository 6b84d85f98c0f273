// createStorageAdapter on D1 inside workerd, directly: grammY's StorageAdapter contract (read, write, delete,
// has), JSON validated on write (nothing written) and on read (DataIntegrityError), and a model-based test that
// any sequence of operations leaves the table equal to a Map.
import { env } from 'cloudflare:workers';
import { createD1Driver } from '@litedao/adapter-d1';
import {
  ConfigurationError,
  createEngine,
  createSessionMaker,
  createStorageAdapter,
  DataIntegrityError,
  declarativeBase,
  t,
  ValidationError,
} from '@litedao/core';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatState, type ChatStateData } from '../src/models.ts';

const Session = createSessionMaker(createEngine(createD1Driver(env.DB)));
const storage = createStorageAdapter(Session, ChatState);

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM chat_states').run();
});

async function table(): Promise<Record<string, unknown>> {
  const { results } = await env.DB.prepare('SELECT key, value FROM chat_states').all<{ key: string; value: string }>();
  return Object.fromEntries(results.map((r) => [r.key, JSON.parse(r.value)]));
}

describe('createStorageAdapter', () => {
  it('reads undefined for a missing key, then what was written; overwrites; deletes', async () => {
    expect(await storage.read('42')).toBeUndefined();
    expect(await storage.has('42')).toBe(false);
    await storage.write('42', { step: 'asking_name' });
    expect(await storage.read('42')).toEqual({ step: 'asking_name' });
    await storage.write('42', { step: 'idle', nickname: 'Ada' });
    expect(await storage.read('42')).toEqual({ step: 'idle', nickname: 'Ada' });
    expect(await storage.has('42')).toBe(true);
    expect(await table()).toEqual({ 42: { step: 'idle', nickname: 'Ada' } });
    await storage.delete('42');
    await storage.delete('42'); // deleting a missing key is not an error (grammY deletes freely)
    expect(await storage.read('42')).toBeUndefined();
    expect(await table()).toEqual({});
  });

  it('refuses a value its schema refuses, and writes nothing', async () => {
    await storage.write('1', { step: 'idle' });
    // An explicit `undefined` is refused like everywhere in litedao (JSON would drop it silently): omit the key.
    const bad = [
      { step: 'dancing' },
      { step: 'idle', nickname: '' },
      { step: 'idle', nickname: 'x'.repeat(65) },
      { step: 'idle', nickname: undefined },
      null,
      'idle',
    ];
    for (const value of bad) {
      await expect(storage.write('1', value as unknown as ChatStateData)).rejects.toBeInstanceOf(ValidationError);
      await expect(storage.write('2', value as unknown as ChatStateData)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(await table()).toEqual({ 1: { step: 'idle' } });
  });

  it('throws DataIntegrityError for a stored value that no longer matches the schema', async () => {
    await env.DB.prepare(`INSERT INTO chat_states (key, value) VALUES ('7', '{"step":"gone"}')`).run();
    await expect(storage.read('7')).rejects.toBeInstanceOf(DataIntegrityError);
  });

  it('refuses a model without a unique text key and a JSON value', () => {
    const Base = declarativeBase();
    class NoUnique extends Base('NoUnique', { key: t.text(), value: t.json() }) {}
    class TextValue extends Base('TextValue', { key: t.text().unique(), value: t.text() }) {}
    expect(() => createStorageAdapter(Session, NoUnique)).toThrow(ConfigurationError);
    expect(() => createStorageAdapter(Session, TextValue)).toThrow(ConfigurationError);
  });

  it('leaves the table equal to a Map after any sequence of operations (model-based)', async () => {
    const key = fc.constantFrom('1', '2', '-100200300', 'chat:😀');
    const value = fc.record(
      {
        step: fc.constantFrom('idle' as const, 'asking_name' as const),
        // Present or omitted, never `undefined` (refused, see above).
        nickname: fc.string({ minLength: 1, maxLength: 64 }).filter((s) => s.isWellFormed() && !s.includes('\0')),
      },
      { requiredKeys: ['step'] },
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), key, value }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('read' as const), key }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 10 }), async (ops) => {
        await env.DB.prepare('DELETE FROM chat_states').run();
        const model = new Map<string, ChatStateData>();
        for (const o of ops) {
          if (o.kind === 'write') {
            await storage.write(o.key, o.value);
            model.set(o.key, JSON.parse(JSON.stringify(o.value)) as ChatStateData);
          } else if (o.kind === 'delete') {
            await storage.delete(o.key);
            model.delete(o.key);
          } else {
            expect(await storage.read(o.key)).toEqual(model.get(o.key));
          }
        }
        expect(await table()).toEqual(Object.fromEntries(model));
      }),
      { numRuns: 25 },
    );
  });
});
