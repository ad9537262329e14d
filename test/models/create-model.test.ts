import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type TestTenant,
  countModels,
  createModel,
  createModelOk,
  errorCodes,
  expectNoInternals,
  uniqueSlug,
  validInput,
} from '../helpers/create-model.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

/** createModel: what a new model looks like (defaults, derived values) and resource URI uniqueness. */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A token for one organization that may use two projects (selected with X-Project-ID). */
async function twoProjectTenant() {
  const organizationId = `org-${randomUUID()}`;
  const projects = [`proj-a-${randomUUID().slice(0, 8)}`, `proj-b-${randomUUID().slice(0, 8)}`] as const;
  const userId = `user-${randomUUID().slice(0, 8)}`;
  const token = await t.token({ sub: userId, org: organizationId, projects: [...projects] });
  const inProject = (projectId: string): TestTenant => ({ organizationId, projectId, userId, token });
  return { organizationId, userId, token, projects, a: inProject(projects[0]), b: inProject(projects[1]) };
}

describe('createModel: a new model', () => {
  it('starts PENDING with no status message, no tags and every optional field null', async () => {
    const tenant = await t.newTenant();
    const model = await createModelOk(t, tenant, validInput());
    expect(model).toMatchObject({
      name: 'My Model',
      litellmModel: 'openai/gpt-4o',
      status: 'PENDING',
      statusMessage: null,
      tags: [],
      description: null,
      apiBase: null,
      apiVersion: null,
      mode: null,
      maxInputTokens: null,
      maxOutputTokens: null,
      rpm: null,
      tpm: null,
      defaultTemperature: null,
      defaultMaxTokens: null,
      timeout: null,
      credentialKeys: ['api_key'],
    });
  });

  it('records the caller: createdBy/updatedBy "user:<sub>", ownerId "<sub>", organization and project of the token', async () => {
    const tenant = await t.newTenant();
    const model = await createModelOk(t, tenant, validInput());
    expect(model.createdBy).toBe(`user:${tenant.userId}`);
    expect(model.updatedBy).toBe(`user:${tenant.userId}`);
    expect(model.ownerId).toBe(tenant.userId);
    expect(model.organizationId).toBe(tenant.organizationId);
    expect(model.projectId).toBe(tenant.projectId);
  });

  it('belongs to the project named by X-Project-ID when the token grants several', async () => {
    const multi = await twoProjectTenant();
    const model = await createModelOk(t, multi.b, validInput(), multi.projects[1]);
    expect(model.projectId).toBe(multi.projects[1]);
    expect(model.organizationId).toBe(multi.organizationId);
    expect(await countModels(t, multi.b)).toBe(1);
    expect(await countModels(t, multi.a)).toBe(0);
  });

  it('has createdAt equal to updatedAt, both ISO-8601 and close to now', async () => {
    const tenant = await t.newTenant();
    const before = Date.now();
    const model = await createModelOk(t, tenant, validInput());
    const after = Date.now();
    expect(model.createdAt).toMatch(ISO_8601);
    expect(model.updatedAt).toMatch(ISO_8601);
    expect(model.updatedAt).toBe(model.createdAt);
    const created = Date.parse(model.createdAt);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(after + 1000);
  });

  it('returns every optional field as it was sent', async () => {
    const tenant = await t.newTenant();
    const input = validInput({
      resourceUri: 'full-model',
      provider: 'azure',
      description: 'A fully specified model',
      tags: ['prod', 'eu'],
      apiBase: 'https://my-resource.openai.azure.com',
      apiVersion: '2024-06-01',
      mode: 'EMBEDDING',
      maxInputTokens: 8191,
      maxOutputTokens: 4096,
      rpm: 600,
      tpm: 100000,
      defaultTemperature: 0.2,
      defaultMaxTokens: 512,
      timeout: 30,
    });
    const model = await createModelOk(t, tenant, input);
    const sent = { ...input };
    delete sent.credentials;
    expect(model).toMatchObject(sent);
  });
});

describe('createModel: default provider', () => {
  it.each([
    ['openai/gpt-4o', 'openai'],
    ['bedrock/anthropic.claude-3/v2', 'bedrock'],
    ['gpt-4o', null],
  ])('derives provider from litellmModel %j as %j', async (litellmModel, provider) => {
    const tenant = await t.newTenant();
    expect((await createModelOk(t, tenant, validInput({ litellmModel }))).provider).toBe(provider);
  });

  it('keeps an explicit provider over the one in litellmModel', async () => {
    const tenant = await t.newTenant();
    const model = await createModelOk(t, tenant, validInput({ litellmModel: 'openai/gpt-4o', provider: 'azure' }));
    expect(model.provider).toBe('azure');
  });
});

describe('createModel: default resourceUri', () => {
  it.each([
    ['GPT-4o (Prod)', 'gpt-4o-prod'],
    ['My Model', 'my-model'],
    ['Café Crème Ünïcode', 'cafe-creme-unicode'],
    ['  --Leading and trailing__  ', 'leading-and-trailing'],
    ['claude_3.5   sonnet', 'claude-3-5-sonnet'],
    ['!!! ???', 'model'],
    ['日本語', 'model'],
  ])('derives the resourceUri of %j as %j', async (name, resourceUri) => {
    const tenant = await t.newTenant();
    expect((await createModelOk(t, tenant, validInput({ name }))).resourceUri).toBe(resourceUri);
  });

  it('makes the resourceUri unique in the project: my-model, my-model-2, my-model-3', async () => {
    const tenant = await t.newTenant();
    const uris: string[] = [];
    for (let i = 0; i < 3; i++) uris.push((await createModelOk(t, tenant, validInput({ name: 'My Model' }))).resourceUri);
    expect(uris).toEqual(['my-model', 'my-model-2', 'my-model-3']);
  });

  it('treats names that differ only in case or punctuation as the same base', async () => {
    const tenant = await t.newTenant();
    const first = await createModelOk(t, tenant, validInput({ name: 'My Model' }));
    const second = await createModelOk(t, tenant, validInput({ name: 'my-model!' }));
    expect([first.resourceUri, second.resourceUri]).toEqual(['my-model', 'my-model-2']);
  });

  it('does not take a resourceUri that was given explicitly to another model', async () => {
    const tenant = await t.newTenant();
    await createModelOk(t, tenant, validInput({ name: 'Other', resourceUri: 'my-model' }));
    await createModelOk(t, tenant, validInput({ name: 'Other 2', resourceUri: 'my-model-2' }));
    const model = await createModelOk(t, tenant, validInput({ name: 'My Model' }));
    expect(model.resourceUri).toMatch(/^my-model-\d+$/);
    expect(['my-model', 'my-model-2']).not.toContain(model.resourceUri);
  });

  it('gives the plain resourceUri to the same name in another project', async () => {
    const multi = await twoProjectTenant();
    await createModelOk(t, multi.a, validInput({ name: 'My Model' }), multi.projects[0]);
    await createModelOk(t, multi.a, validInput({ name: 'My Model' }), multi.projects[0]);
    const other = await createModelOk(t, multi.b, validInput({ name: 'My Model' }), multi.projects[1]);
    expect(other.resourceUri).toBe('my-model');
    expect(other.projectId).toBe(multi.projects[1]);
  });

  it('gives the plain resourceUri to the same name in another organization', async () => {
    const first = await t.newTenant();
    const second = await t.newTenant();
    await createModelOk(t, first, validInput({ name: 'My Model' }));
    expect((await createModelOk(t, second, validInput({ name: 'My Model' }))).resourceUri).toBe('my-model');
  });

  it('keeps the resourceUri of a 255-character name within 255 characters, suffix included', async () => {
    const tenant = await t.newTenant();
    const name = 'q'.repeat(255);
    const first = await createModelOk(t, tenant, validInput({ name }));
    const second = await createModelOk(t, tenant, validInput({ name }));
    for (const uri of [first.resourceUri, second.resourceUri]) {
      expect(uri.length).toBeLessThanOrEqual(255);
      expect(uri).toMatch(/^[a-z0-9-]+$/);
    }
    expect(second.resourceUri).not.toBe(first.resourceUri);
    expect(second.resourceUri).toBe(`${first.resourceUri}-2`);
  });

  // A user can pick any explicit URI; the generated ones next to it must still be valid and free.
  it('still generates a valid resourceUri when the project holds one with a 21-digit numeric suffix', async () => {
    const tenant = await t.newTenant();
    await createModelOk(t, tenant, validInput({ name: 'Taken', resourceUri: `big-${'9'.repeat(21)}` }));
    const first = await createModelOk(t, tenant, validInput({ name: 'Big' }));
    expect(first.resourceUri).toBe('big');
    const response = await createModel(t, tenant, validInput({ name: 'Big' }));
    expectNoInternals(response);
    expect(response.body.errors, response.text).toBeUndefined();
    const second = response.body.data?.createModel.model;
    expect(second?.resourceUri).toMatch(/^big-[a-z0-9-]+$/);
    expect(second?.resourceUri.length).toBeLessThanOrEqual(255);
  });

  it('still generates a resourceUri within 255 characters when a long name already has a long numeric suffix', async () => {
    const tenant = await t.newTenant();
    const name = 'q'.repeat(255);
    const first = await createModelOk(t, tenant, validInput({ name }));
    // The base is as long as the generator makes it; this explicit URI fills all 255 characters.
    const explicit = `${first.resourceUri}-${'9'.repeat(254 - first.resourceUri.length)}`;
    expect(explicit).toHaveLength(255);
    await createModelOk(t, tenant, validInput({ name: 'Taken', resourceUri: explicit }));
    const response = await createModel(t, tenant, validInput({ name }));
    expectNoInternals(response);
    expect(response.body.errors, response.text).toBeUndefined();
    const next = response.body.data?.createModel.model;
    expect(next?.resourceUri).toMatch(/^[a-z0-9-]+$/);
    expect(next?.resourceUri.length).toBeLessThanOrEqual(255);
  });
});

describe('createModel: CONFLICT on an explicit resourceUri', () => {
  it('rejects a resourceUri already used in the project with CONFLICT and writes nothing', async () => {
    const tenant = await t.newTenant();
    const resourceUri = uniqueSlug('dup');
    await createModelOk(t, tenant, validInput({ resourceUri }));
    const response = await createModel(t, tenant, validInput({ name: 'Another', resourceUri }));
    expect(errorCodes(response), response.text).toEqual(['CONFLICT']);
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors?.[0]?.message).toContain(resourceUri);
    expectNoInternals(response);
    expect(await countModels(t, tenant)).toBe(1);
  });

  it('rejects with CONFLICT a resourceUri that was generated for an earlier model', async () => {
    const tenant = await t.newTenant();
    const generated = (await createModelOk(t, tenant, validInput({ name: 'GPT-4o (Prod)' }))).resourceUri;
    const response = await createModel(t, tenant, validInput({ name: 'Other', resourceUri: generated }));
    expect(errorCodes(response), response.text).toEqual(['CONFLICT']);
  });

  it('accepts the same resourceUri in another project of the organization', async () => {
    const multi = await twoProjectTenant();
    await createModelOk(t, multi.a, validInput({ resourceUri: 'shared-uri' }), multi.projects[0]);
    const other = await createModelOk(t, multi.b, validInput({ resourceUri: 'shared-uri' }), multi.projects[1]);
    expect(other.resourceUri).toBe('shared-uri');
  });

  it('accepts the same resourceUri in another organization', async () => {
    const first = await t.newTenant();
    const second = await t.newTenant();
    await createModelOk(t, first, validInput({ resourceUri: 'shared-uri' }));
    expect((await createModelOk(t, second, validInput({ resourceUri: 'shared-uri' }))).resourceUri).toBe('shared-uri');
  });
});
