import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type TestTenant,
  countModels,
  createModel,
  createModelOk,
  errorCodes,
  expectBadInput,
  expectNoInternals,
  uniqueSlug,
  validInput,
} from '../helpers/create-model.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/**
 * Every createModel input limit at its edge (accepted, and stored as sent) and one past it
 * (BAD_USER_INPUT naming the field, nothing written).
 */
let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
});
afterAll(() => t.close());

const INT4_MAX = 2_147_483_647;
const pad = (length: number, char = 'x') => char.repeat(length);
/** An http(s) URL of exactly `length` characters. */
const urlOfLength = (length: number, scheme = 'https') => {
  const head = `${scheme}://example.com/`;
  return head + pad(length - head.length, 'p');
};

async function expectRejected(overrides: Record<string, unknown>, fields: string[]) {
  const before = await countModels(t, tenant);
  const response = await createModel(t, tenant, validInput(overrides));
  expectBadInput(response, fields);
  expect(await countModels(t, tenant)).toBe(before);
}

/** Rejected by GraphQL itself, before the resolver (wrong type or enum value): no issues list. */
async function expectRejectedByGraphQL(overrides: Record<string, unknown>) {
  const before = await countModels(t, tenant);
  const response = await createModel(t, tenant, validInput(overrides));
  expect(errorCodes(response), response.text).toEqual(['BAD_USER_INPUT']);
  expect(response.body.data ?? null).toBeNull();
  expectNoInternals(response);
  expect(await countModels(t, tenant)).toBe(before);
}

describe('createModel: name (1..255 characters after trimming)', () => {
  it('accepts a 1-character name', async () => {
    const model = await createModelOk(t, tenant, validInput({ name: 'a' }));
    expect(model.name).toBe('a');
  });

  it('accepts a 255-character name, trimming the whitespace around it', async () => {
    const name = pad(255, 'n');
    const model = await createModelOk(t, tenant, validInput({ name: `  ${name}\t ` }));
    expect(model.name).toBe(name);
  });

  it('rejects a 256-character name with BAD_USER_INPUT at input.name', async () => {
    await expectRejected({ name: pad(256, 'n') }, ['name']);
  });

  it('rejects an empty name', async () => {
    await expectRejected({ name: '' }, ['name']);
  });

  it('rejects a name that is only whitespace', async () => {
    await expectRejected({ name: ' \t\n ' }, ['name']);
  });
});

describe('createModel: litellmModel (1..500 characters)', () => {
  it('accepts a 1-character and a 500-character litellmModel', async () => {
    expect((await createModelOk(t, tenant, validInput({ litellmModel: 'm' }))).litellmModel).toBe('m');
    const long = `openai/${pad(493, 'g')}`;
    expect((await createModelOk(t, tenant, validInput({ litellmModel: long }))).litellmModel).toBe(long);
  });

  it('rejects a 501-character litellmModel', async () => {
    await expectRejected({ litellmModel: `openai/${pad(494, 'g')}` }, ['litellmModel']);
  });

  it('rejects an empty litellmModel', async () => {
    await expectRejected({ litellmModel: '' }, ['litellmModel']);
  });
});

describe('createModel: resourceUri (^[a-z0-9-]+$, 1..255)', () => {
  it('accepts a 1-character resourceUri', async () => {
    const fresh = await t.newTenant();
    expect((await createModelOk(t, fresh, validInput({ resourceUri: 'a' }))).resourceUri).toBe('a');
  });

  it('accepts a 255-character resourceUri of lowercase letters, digits and hyphens', async () => {
    const uri = `${uniqueSlug('0-9')}-${pad(255, 'z')}`.slice(0, 255);
    expect(uri).toHaveLength(255);
    expect((await createModelOk(t, tenant, validInput({ resourceUri: uri }))).resourceUri).toBe(uri);
  });

  it('rejects a 256-character resourceUri', async () => {
    await expectRejected({ resourceUri: pad(256, 'z') }, ['resourceUri']);
  });

  it('rejects an empty resourceUri', async () => {
    await expectRejected({ resourceUri: '' }, ['resourceUri']);
  });

  it.each([
    ['uppercase letters', 'My-Model'],
    ['a space', 'my model'],
    ['an underscore', 'my_model'],
    ['a slash', 'my/model'],
    ['a dot', 'my.model'],
    ['an accented letter', 'modèle'],
    ['surrounding whitespace', ' my-model '],
  ])('rejects a resourceUri containing %s', async (_label, resourceUri) => {
    await expectRejected({ resourceUri }, ['resourceUri']);
  });
});

describe('createModel: provider (≤100), description (≤1000), apiVersion (≤50)', () => {
  it.each([
    ['provider', 100],
    ['description', 1000],
    ['apiVersion', 50],
  ])('accepts a %s of exactly %i characters', async (field, length) => {
    const value = pad(length, 'v');
    const model = await createModelOk(t, tenant, validInput({ [field]: value }));
    expect(model[field]).toBe(value);
  });

  it.each([
    ['provider', 101],
    ['description', 1001],
    ['apiVersion', 51],
  ])('rejects a %s of %i characters', async (field, length) => {
    await expectRejected({ [field]: pad(length, 'v') }, [field]);
  });
});

describe('createModel: tags (each 1..64 after trimming, at most 32 distinct)', () => {
  it('accepts a tag of 64 characters, trimming the whitespace around it', async () => {
    const tag = pad(64, 't');
    expect((await createModelOk(t, tenant, validInput({ tags: [`  ${tag} `] }))).tags).toEqual([tag]);
  });

  it('rejects a tag of 65 characters at input.tags', async () => {
    await expectRejected({ tags: ['ok', pad(65, 't')] }, ['tags']);
  });

  it('rejects an empty tag and a whitespace-only tag', async () => {
    await expectRejected({ tags: [''] }, ['tags']);
    await expectRejected({ tags: ['fine', '   '] }, ['tags']);
  });

  it('accepts 32 distinct tags', async () => {
    const tags = Array.from({ length: 32 }, (_, i) => `tag-${i}`);
    expect((await createModelOk(t, tenant, validInput({ tags }))).tags).toEqual(tags);
  });

  it('rejects 33 distinct tags', async () => {
    await expectRejected({ tags: Array.from({ length: 33 }, (_, i) => `tag-${i}`) }, ['tags']);
  });

  it('accepts 33 entries when one is a duplicate, keeping the 32 distinct tags', async () => {
    const tags = Array.from({ length: 32 }, (_, i) => `tag-${i}`);
    const model = await createModelOk(t, tenant, validInput({ tags: [...tags, ' tag-7 '] }));
    expect(model.tags).toEqual(tags);
  });

  it('trims and de-duplicates tags, keeping the first occurrence order', async () => {
    const model = await createModelOk(t, tenant, validInput({ tags: [' prod ', 'openai', 'prod', '\tprod', 'openai '] }));
    expect(model.tags).toEqual(['prod', 'openai']);
  });

  it('accepts an empty tag list', async () => {
    expect((await createModelOk(t, tenant, validInput({ tags: [] }))).tags).toEqual([]);
  });
});

describe('createModel: apiBase (≤1000, an http(s) URL)', () => {
  it('accepts an https URL of exactly 1000 characters and an http URL', async () => {
    const long = urlOfLength(1000);
    expect(long).toHaveLength(1000);
    expect((await createModelOk(t, tenant, validInput({ apiBase: long }))).apiBase).toBe(long);
    const http = 'http://localhost:8080/v1';
    expect((await createModelOk(t, tenant, validInput({ apiBase: http }))).apiBase).toBe(http);
  });

  it('rejects an https URL of 1001 characters', async () => {
    await expectRejected({ apiBase: urlOfLength(1001) }, ['apiBase']);
  });

  it.each([
    ['an ftp:// URL', 'ftp://example.com/models'],
    ['text that is not a URL', 'not a url'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a host without a scheme', 'example.com/v1'],
  ])('rejects %s', async (_label, apiBase) => {
    await expectRejected({ apiBase }, ['apiBase']);
  });
});

const INT_FIELDS = ['maxInputTokens', 'maxOutputTokens', 'rpm', 'tpm', 'defaultMaxTokens', 'timeout'] as const;

describe('createModel: integer limits (≥1)', () => {
  it.each(INT_FIELDS)('accepts %s = 1 and %s = 2147483647', async (field) => {
    expect((await createModelOk(t, tenant, validInput({ [field]: 1 })))[field]).toBe(1);
    expect((await createModelOk(t, tenant, validInput({ [field]: INT4_MAX })))[field]).toBe(INT4_MAX);
  });

  it.each(INT_FIELDS)('rejects %s = 0 and %s = -1 at input.<field>', async (field) => {
    await expectRejected({ [field]: 0 }, [field]);
    await expectRejected({ [field]: -1 }, [field]);
  });

  it('rejects a value past the 32-bit Int range, and a non-integer, as BAD_USER_INPUT', async () => {
    await expectRejectedByGraphQL({ rpm: INT4_MAX + 1 });
    await expectRejectedByGraphQL({ timeout: 1.5 });
  });
});

describe('createModel: defaultTemperature (0 ≤ x ≤ 9.99)', () => {
  it.each([0, 0.7, 9.99])('accepts defaultTemperature %s', async (value) => {
    expect((await createModelOk(t, tenant, validInput({ defaultTemperature: value }))).defaultTemperature).toBe(value);
  });

  it.each([-0.01, 9.991, 10])('rejects defaultTemperature %s', async (value) => {
    await expectRejected({ defaultTemperature: value }, ['defaultTemperature']);
  });
});

describe('createModel: mode', () => {
  it.each(['CHAT', 'COMPLETION', 'EMBEDDING', 'IMAGE_GENERATION', 'AUDIO_TRANSCRIPTION'])(
    'accepts mode %s and returns it',
    async (mode) => {
      expect((await createModelOk(t, tenant, validInput({ mode }))).mode).toBe(mode);
    },
  );

  it('rejects a mode that is not an enum value (the REST lower-case spelling included)', async () => {
    await expectRejectedByGraphQL({ mode: 'chat' });
    await expectRejectedByGraphQL({ mode: 'VIDEO' });
  });
});

describe('createModel: several bad fields at once', () => {
  it('lists every failing field in extensions.issues of one BAD_USER_INPUT error', async () => {
    const before = await countModels(t, tenant);
    const response = await createModel(t, tenant, {
      name: '   ',
      litellmModel: '',
      credentials: {},
      resourceUri: 'Not_A_Uri',
      provider: pad(101),
      description: pad(1001),
      tags: [pad(65)],
      apiBase: 'ftp://example.com',
      apiVersion: pad(51),
      maxInputTokens: 0,
      maxOutputTokens: 0,
      rpm: 0,
      tpm: 0,
      defaultTemperature: 10,
      defaultMaxTokens: 0,
      timeout: 0,
    });
    expectBadInput(response, [
      'name',
      'litellmModel',
      'credentials',
      'resourceUri',
      'provider',
      'description',
      'tags',
      'apiBase',
      'apiVersion',
      'maxInputTokens',
      'maxOutputTokens',
      'rpm',
      'tpm',
      'defaultTemperature',
      'defaultMaxTokens',
      'timeout',
    ]);
    const issues = response.body.errors?.[0]?.extensions?.issues as Array<{ path: unknown[] }>;
    expect(issues.find((issue) => issue.path.join('.') === 'input.name')?.path).toEqual(['input', 'name']);
    expect(await countModels(t, tenant)).toBe(before);
  });

  it('reports each failing field with path ["input", field] and a message', async () => {
    const response = await createModel(t, tenant, validInput({ name: '', rpm: 0 }));
    expectBadInput(response, ['name', 'rpm']);
    const issues = response.body.errors?.[0]?.extensions?.issues;
    expect(issues).toEqual([
      { path: ['input', 'name'], message: expect.any(String) },
      { path: ['input', 'rpm'], message: expect.any(String) },
    ]);
  });
});
