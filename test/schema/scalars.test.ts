import { describe, expect, it } from 'vitest';
import { DateTimeScalar } from '../../src/schema/scalars.ts';

describe('DateTime', () => {
  it('serializes to the ISO string itself, not a Date left for JSON.stringify', () => {
    // A Date in the result would be converted by JSON.stringify too, off V8's fast path.
    expect(DateTimeScalar.serialize(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678Z');
    expect(DateTimeScalar.serialize('2026-01-02T04:04:05.678+01:00')).toBe('2026-01-02T03:04:05.678Z');
  });

  it('refuses an invalid date instead of writing null', () => {
    expect(() => DateTimeScalar.serialize(new Date('not a date'))).toThrow(/invalid Date/);
  });

  it('keeps the description and parsing of graphql-scalars', () => {
    expect(DateTimeScalar.description).toMatch(/date-time/i);
    expect(DateTimeScalar.parseValue('2026-01-02T03:04:05Z')).toEqual(new Date('2026-01-02T03:04:05Z'));
  });
});
