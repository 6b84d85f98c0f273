// litedao's schemas are zod 4. A zod 3 schema (zod ships its v3 API at `zod/v3`) in `.check()` or
// `t.json()` is a ConfigurationError when the model is declared, never a confusing failure at the first write.
import { ConfigurationError, declarativeBase, t } from '@litedao/core';
import { describe, expect, it } from 'vitest';
import * as z4 from 'zod';
import * as z3 from 'zod/v3';

describe('zod versions', () => {
  it('accepts zod 4 schemas in check() and t.json()', () => {
    const Base = declarativeBase();
    class A extends Base('A', { email: t.text().check(z4.string().email()), data: t.json(z4.object({ n: z4.number() })) }) {}
    expect(new A({ email: 'ada@example.com', data: { n: 1 } }).email).toBe('ada@example.com');
  });

  it('refuses zod 3 schemas with a ConfigurationError that says why', () => {
    for (const make of [() => t.text().check(z3.string() as never), () => t.json(z3.object({ n: z3.number() }) as never)]) {
      expect(make).toThrow(ConfigurationError);
      expect(make).toThrow(/zod 4/);
    }
  });
});
