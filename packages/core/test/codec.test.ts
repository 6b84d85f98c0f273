import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp } from '../src/index.ts';

describe('timestamp layout', () => {
  it('formats UTC in the CURRENT_TIMESTAMP layout with six fractional digits, as Python writes it', () => {
    expect(formatTimestamp(new Date('2026-11-22T03:04:05.006Z'))).toBe('2026-11-22 03:04:05.006000');
    expect(formatTimestamp(new Date('0001-01-01T00:00:00.000Z'))).toBe('0001-01-01 00:00:00.000000');
  });

  it.each([
    ['2026-11-22 03:04:05', '2026-11-22T03:04:05.000Z'],
    ['2026-11-22 03:04:05.1', '2026-11-22T03:04:05.100Z'],
    ['2026-11-22 03:04:05.123456', '2026-11-22T03:04:05.123Z'],
    ['2026-11-22T03:04:05Z', '2026-11-22T03:04:05.000Z'],
    ['2026-11-22T05:04:05+02:00', '2026-11-22T03:04:05.000Z'],
    ['2026-11-22 03:04', '2026-11-22T03:04:00.000Z'],
    ['2026-11-22', '2026-11-22T00:00:00.000Z'],
    ['0050-01-01 00:00:00', '0050-01-01T00:00:00.000Z'],
  ])('parses %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', '2026-13-45 99:99:99x', '1700000000'])('refuses %j', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('round-trips any millisecond instant', () => {
    for (let i = 0; i < 500; i++) {
      const d = new Date(Math.floor(Math.random() * 253402300799999));
      expect(parseTimestamp(formatTimestamp(d))?.getTime()).toBe(d.getTime());
    }
  });
});
