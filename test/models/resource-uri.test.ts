import { describe, expect, it } from 'vitest';
import { kebabCase, nextFreeResourceUri } from '../../src/models/resource-uri.ts';

describe('deriving a resource URI from a name', () => {
  it.each([
    ['GPT-4o', 'gpt-4o'],
    ['GPT-4o (Prod)', 'gpt-4o-prod'],
    ['  Claude 3.5 Sonnet  ', 'claude-3-5-sonnet'],
    ['Modèle Français', 'modele-francais'],
    ['___', 'model'],
    ['日本語モデル', 'model'],
    ['a--b__c', 'a-b-c'],
  ])('turns %j into %j', (name, uri) => {
    expect(kebabCase(name)).toBe(uri);
  });

  it('keeps room for a suffix under the 255-character limit', () => {
    const uri = kebabCase('x'.repeat(300));
    expect(uri.length).toBeLessThanOrEqual(240);
    expect(`${uri}-9999`.length).toBeLessThanOrEqual(255);
  });

  it('counts past the highest suffix in use and ignores look-alikes', () => {
    expect(nextFreeResourceUri('my-model', [])).toBe('my-model');
    expect(nextFreeResourceUri('my-model', ['my-model'])).toBe('my-model-2');
    expect(nextFreeResourceUri('my-model', ['my-model', 'my-model-7', 'my-model-x', 'my-model-extra-3'])).toBe(
      'my-model-8',
    );
    expect(nextFreeResourceUri('my-model', ['my-model-2'])).toBe('my-model-3');
  });

  it('counts huge suffixes exactly instead of in floating point', () => {
    expect(nextFreeResourceUri('big', ['big', 'big-999999999999999999999'])).toBe('big-1000000000000000000000');
    expect(nextFreeResourceUri('big', ['big', 'big-9007199254740993'])).toBe('big-9007199254740994');
  });

  it('falls back to a random suffix when the next number would not fit in 255 characters', () => {
    const base = 'q'.repeat(240);
    const next = nextFreeResourceUri(base, [base, `${base}-99999999999999`], () => 'abcd1234');
    expect(next).toBe(`${base}-abcd1234`);
    expect(next.length).toBeLessThanOrEqual(255);
  });
});
