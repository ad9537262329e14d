import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countModels, createModel, errorCodes, expectNoInternals, validInput } from '../helpers/create-model.ts';
import { createTestApp, DATABASE_KIND, type TestApp } from '../helpers/test-app.ts';

/** Parallel creates racing for one resource URI (on PostgreSQL, over several pooled connections). */
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const N = 10;

describe(`createModel under concurrency (${DATABASE_KIND})`, () => {
  it(`lets exactly one of ${N} parallel creates with the same explicit resourceUri succeed; the rest get CONFLICT`, async () => {
    const tenant = await t.newTenant();
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        createModel(t, tenant, validInput({ name: `Racer ${i}`, resourceUri: 'contested-uri' })),
      ),
    );
    const succeeded = responses.filter((response) => !response.body.errors);
    const failed = responses.filter((response) => response.body.errors);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]?.body.data?.createModel.model.resourceUri).toBe('contested-uri');
    expect(failed.map(errorCodes)).toEqual(Array.from({ length: N - 1 }, () => ['CONFLICT']));
    for (const response of failed) expectNoInternals(response);
    expect(await countModels(t, tenant)).toBe(1);
  });

  it(`gives each of ${N} parallel creates with the same name and no resourceUri its own URI`, async () => {
    const tenant = await t.newTenant();
    const responses = await Promise.all(
      Array.from({ length: N }, () => createModel(t, tenant, validInput({ name: 'Same Name' }))),
    );
    for (const response of responses) expect(response.body.errors, response.text).toBeUndefined();
    const uris = responses.map((response) => response.body.data?.createModel.model.resourceUri as string);
    expect(new Set(uris).size).toBe(N);
    for (const uri of uris) expect(uri).toMatch(/^same-name(-\d+)?$/);
    expect(uris).toContain('same-name');
    expect(await countModels(t, tenant)).toBe(N);
  });

  it('keeps tenants apart while racing: the same explicit resourceUri in parallel in different projects all succeed', async () => {
    const tenants = await Promise.all(Array.from({ length: 4 }, () => t.newTenant()));
    const responses = await Promise.all(
      tenants.map((tenant) => createModel(t, tenant, validInput({ resourceUri: 'shared-in-parallel' }))),
    );
    for (const response of responses) expect(response.body.errors, response.text).toBeUndefined();
  });
});
