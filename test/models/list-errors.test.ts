import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createModels,
  expectBadUserInput,
  expectedIds,
  expectNothingLeaked,
  fetchPage,
  type OrderTerm,
  PAGE_QUERY,
  type PageArgs,
  type RequestAs,
  readRows,
  type TestTenant,
} from '../helpers/list-models.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

/**
 * What the `models` connection refuses: page sizes out of range, first with last, and any cursor
 * that is not one this project was given under this order. Refusals are BAD_USER_INPUT naming the
 * argument, return no data, and leak neither stack traces nor SQL.
 */
let t: TestApp;
let tenant: TestTenant;
let as: RequestAs;

const NAME_ASC: OrderTerm[] = [{ field: 'NAME', direction: 'ASC' }];

const seeds = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => ({
    name: `${prefix} ${String(index).padStart(2, '0')}`,
    litellmModel: 'openai/gpt-4o',
    credentials: { api_key: `sk-${prefix}-${index}` },
  }));

beforeAll(async () => {
  t = await createTestApp();
  tenant = await t.newTenant();
  as = { token: tenant.token };
  await createModels(t, tenant, seeds('own', 15));
});
afterAll(() => t?.close());

const list = (args: PageArgs, requestAs: RequestAs = as): Promise<GraphQLResponse> => t.gql(PAGE_QUERY, { ...args }, requestAs);

describe('page size', () => {
  it.each([
    ['first', 0],
    ['first', 101],
    ['first', -1],
    ['first', 1000],
    ['last', 0],
    ['last', 101],
    ['last', -1],
  ] as const)('refuses %s: %i with BAD_USER_INPUT naming the argument', async (argument, value) => {
    expectBadUserInput(await list({ [argument]: value }), [argument]);
  });

  it.each([
    ['first', 1],
    ['first', 100],
    ['last', 1],
    ['last', 100],
  ] as const)('accepts %s: %i', async (argument, value) => {
    const page = await fetchPage(t, as, { [argument]: value });
    expect(page.ids).toHaveLength(Math.min(value, 15));
  });

  it('refuses first and last together, even when both are in range', async () => {
    const response = await list({ first: 5, last: 5 });
    expectBadUserInput(response);
    expect(response.body.errors?.[0]?.message).toMatch(/first.*last|last.*first/i);
  });

  it('refuses a page size beyond a GraphQL Int with BAD_USER_INPUT', async () => {
    const response = await list({ first: 2 ** 31 });
    expectBadUserInput(response);
  });

  it('reports every bad argument at once', async () => {
    const response = await list({ first: 0, after: 'nonsense', orderBy: [{ field: 'NAME' }, { field: 'NAME', direction: 'DESC' }] });
    expectBadUserInput(response, ['first']);
    expect(response.body.errors?.[0]?.extensions?.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: ['orderBy', 1, 'field'] })]),
    );
  });
});

describe('cursors', () => {
  let cursors: string[];
  beforeAll(async () => {
    cursors = (await fetchPage(t, as, { first: 15, orderBy: NAME_ASC })).cursors;
    expect(cursors).toHaveLength(15);
  });
  const cursor = (index = 5) => cursors[index] as string;

  it('a cursor of this project and order is accepted, as after and as before, by any user of the project', async () => {
    const expected = expectedIds(await readRows(t, tenant), NAME_ASC);
    const otherUser = await t.token({ sub: 'someone-else', org: tenant.organizationId, projects: [tenant.projectId] });
    for (const requestAs of [as, { token: otherUser }]) {
      expect((await fetchPage(t, requestAs, { first: 3, after: cursor(), orderBy: NAME_ASC })).ids).toEqual(expected.slice(6, 9));
      expect((await fetchPage(t, requestAs, { last: 3, before: cursor(), orderBy: NAME_ASC })).ids).toEqual(expected.slice(2, 5));
    }
  });

  describe('made under another orderBy', () => {
    const OTHER_ORDERS: Array<[string, PageArgs['orderBy']]> = [
      ['NAME DESC', [{ field: 'NAME', direction: 'DESC' }]],
      ['CREATED_AT ASC', [{ field: 'CREATED_AT', direction: 'ASC' }]],
      ['the default order', undefined],
      ['NAME ASC, STATUS ASC', [{ field: 'NAME', direction: 'ASC' }, { field: 'STATUS', direction: 'ASC' }]],
      ['STATUS ASC, NAME ASC', [{ field: 'STATUS', direction: 'ASC' }, { field: 'NAME', direction: 'ASC' }]],
    ];

    it.each(OTHER_ORDERS)('a NAME ASC cursor used with %s is refused as after and as before', async (_name, orderBy) => {
      expectBadUserInput(await list({ first: 3, after: cursor(), ...(orderBy ? { orderBy } : {}) }), ['after']);
      expectBadUserInput(await list({ last: 3, before: cursor(), ...(orderBy ? { orderBy } : {}) }), ['before']);
    });

    it('a default-order cursor used with NAME ASC is refused', async () => {
      const defaultCursor = (await fetchPage(t, as, { first: 1 })).cursors[0] as string;
      expectBadUserInput(await list({ first: 3, after: defaultCursor, orderBy: NAME_ASC }), ['after']);
    });
  });

  describe('tampered with', () => {
    const flip = (text: string, index: number) => {
      const char = text[index] as string;
      const replacement = char === 'A' ? 'Q' : 'A'; // differs in the high bits of the 6-bit group
      return text.slice(0, index) + replacement + text.slice(index + 1);
    };

    it('refuses a cursor with any one character of its body changed', async () => {
      const [body, signature] = cursor().split('.') as [string, string];
      for (let index = 0; index < body.length; index += 3) {
        expectBadUserInput(await list({ first: 3, after: `${flip(body, index)}.${signature}`, orderBy: NAME_ASC }), ['after']);
      }
    });

    it('refuses a cursor with a character of its signature changed', async () => {
      const [body, signature] = cursor().split('.') as [string, string];
      for (let index = 0; index < signature.length - 1; index++) {
        expectBadUserInput(await list({ first: 3, after: `${body}.${flip(signature, index)}`, orderBy: NAME_ASC }), ['after']);
      }
    });

    it('refuses a cursor whose signature was re-spelled: last character changed, padding, whitespace or junk added', async () => {
      // Every one of these decodes (leniently) to the same 16 signature bytes, but none is the cursor
      // the server issued: a tampered cursor must be refused, not normalised.
      const [body, signature] = cursor().split('.') as [string, string];
      // 16 bytes in base64 leave 4 unused bits in the last character: change only those
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const lastIndex = alphabet.indexOf(signature[signature.length - 1] as string);
      const otherLast = alphabet[(lastIndex & 0b110000) | ((lastIndex + 1) & 0b001111)] as string;
      const variants = [
        signature.slice(0, -1) + otherLast,
        `${signature}==`,
        `${signature.slice(0, 5)} ${signature.slice(5)}`,
        `${signature}!`,
      ];
      const accepted: string[] = [];
      for (const variant of variants) {
        const response = await list({ first: 3, after: `${body}.${variant}`, orderBy: NAME_ASC });
        if (!response.body.errors) accepted.push(variant);
        else expectBadUserInput(response, ['after']);
      }
      expect(accepted, `issued signature ${signature}`).toEqual([]);
    });

    it('refuses a cursor whose readable body was re-written to point elsewhere, keeping the signature', async () => {
      const [body, signature] = cursor().split('.') as [string, string];
      // Today the body is readable (base64 JSON), which is exactly what a forger would edit.
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      const edits = [
        { ...payload, v: ['zzz'] },
        { ...payload, i: '00000000-0000-0000-0000-000000000000' },
        { ...payload, o: 'NAME:DESC' },
      ];
      for (const edited of edits) {
        const forged = `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`;
        expectBadUserInput(await list({ first: 3, after: forged, orderBy: NAME_ASC }), ['after']);
      }
    });

    it('refuses a body taken from one cursor with the signature of another', async () => {
      const [body] = cursor(2).split('.') as [string];
      const [, signature] = cursor(9).split('.') as [string, string];
      expectBadUserInput(await list({ first: 3, after: `${body}.${signature}`, orderBy: NAME_ASC }), ['after']);
    });

    it.each([
      ['a random string', 'hello-world'],
      ['an empty string', ''],
      ['a lone dot', '.'],
      ['three parts', `${'a'.repeat(10)}.${'b'.repeat(22)}.${'c'.repeat(22)}`],
      ['an unsigned base64 JSON position', Buffer.from(JSON.stringify({ o: 'NAME:ASC', v: ['own 05'], i: '00000000-0000-4000-8000-000000000000' })).toString('base64url')],
      ['a base64 JSON position with a made-up signature', `${Buffer.from(JSON.stringify({ o: 'NAME:ASC', v: ['own 05'], i: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${Buffer.alloc(16, 7).toString('base64url')}`],
      ['an offset, as another API would use', Buffer.from('arrayconnection:5').toString('base64')],
      ['a Relay global id', Buffer.from('Model:00000000-0000-4000-8000-000000000000').toString('base64url')],
      ['a very long string', 'x'.repeat(5000)],
      ['unicode', 'éèê.日本'],
    ])('refuses %s as after and as before', async (_name, bad) => {
      expectBadUserInput(await list({ first: 3, after: bad, orderBy: NAME_ASC }), ['after']);
      expectBadUserInput(await list({ last: 3, before: bad, orderBy: NAME_ASC }), ['before']);
    });
  });

  describe('from another tenant', () => {
    it('refuses a cursor from another organization and never shows its models', async () => {
      const other = await t.newTenant();
      await createModels(t, other, seeds('foreign', 5));
      const foreignCursor = (await fetchPage(t, { token: other.token }, { first: 1, orderBy: NAME_ASC })).cursors[0] as string;

      for (const args of [
        { first: 3, after: foreignCursor },
        { last: 3, before: foreignCursor },
        { first: 3, after: cursor(), before: foreignCursor },
      ]) {
        const response = await list({ ...args, orderBy: NAME_ASC });
        expectBadUserInput(response);
        expect(response.text).not.toContain('foreign');
      }
      // and the other way round
      expectBadUserInput(await list({ first: 3, after: cursor(), orderBy: NAME_ASC }, { token: other.token }), ['after']);
    });

    it('refuses a cursor from a project of the same name in another organization', async () => {
      const otherOrg = { organizationId: `${tenant.organizationId}-other`, projectId: tenant.projectId, userId: 'mallory' };
      const otherToken = await t.token({ sub: 'mallory', org: otherOrg.organizationId, projects: [otherOrg.projectId] });
      await createModels(t, { ...otherOrg, token: otherToken }, seeds('twin', 5));
      const twinCursor = (await fetchPage(t, { token: otherToken }, { first: 1, orderBy: NAME_ASC })).cursors[0] as string;

      const response = await list({ first: 3, after: twinCursor, orderBy: NAME_ASC });
      expectBadUserInput(response, ['after']);
      expect(response.text).not.toContain('twin');
    });

    it('refuses a cursor from another project of the same organization, with the same token', async () => {
      const projectB = `${tenant.projectId}-b`;
      const both = await t.token({ sub: tenant.userId, org: tenant.organizationId, projects: [tenant.projectId, projectB] });
      const star = await t.token({ sub: tenant.userId, org: tenant.organizationId, projects: ['*'] });
      await createModels(t, { ...tenant, projectId: projectB }, seeds('sibling', 5));
      const siblingCursor = (await fetchPage(t, { token: both, project: projectB }, { first: 1, orderBy: NAME_ASC })).cursors[0] as string;

      for (const token of [both, star]) {
        const response = await list({ first: 3, after: siblingCursor, orderBy: NAME_ASC }, { token, project: tenant.projectId });
        expectBadUserInput(response, ['after']);
        expect(response.text).not.toContain('sibling');
        // our own cursor does not work in project B either
        expectBadUserInput(await list({ first: 3, after: cursor(), orderBy: NAME_ASC }, { token, project: projectB }), ['after']);
      }
      // while each project's own cursor works for the same token
      const ownPage = await fetchPage(t, { token: both, project: tenant.projectId }, { first: 3, after: cursor(), orderBy: NAME_ASC });
      expect(ownPage.ids).toHaveLength(3);
    });
  });
});

describe('every error has a code and no internals', () => {
  it.each([
    ['no token', {}, { token: null }],
    ['a malformed token', {}, { token: 'not-a-jwt' }],
  ] as const)('a models query with %s is UNAUTHENTICATED', async (_name, args, requestAs) => {
    const response = await t.gql(PAGE_QUERY, args, requestAs);
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.body.data ?? null).toBeNull();
    expectNothingLeaked(response);
  });

  it.each([
    ['an unknown status', `{ models(filter: { status: [NOPE] }) { totalCount } }`, {}],
    ['an unknown order field', `{ models(orderBy: [{ field: PRICE }]) { totalCount } }`, {}],
    ['a string page size', `query($n: Int) { models(first: $n) { totalCount } }`, { n: 'ten' }],
    ['a filter of the wrong shape', `query($f: ModelFilter) { models(filter: $f) { totalCount } }`, { f: { tags: 'prod', bogus: 1 } }],
    ['an unknown field', `{ models { edges { node { credentials } } } }`, {}],
  ])('a query with %s gets an error with a code', async (_name, query, variables) => {
    const response = await t.gql(query, variables, as);
    const errors = response.body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    // Yoga reports documents that fail validation as GRAPHQL_VALIDATION_FAILED; bad variables are BAD_USER_INPUT.
    for (const error of errors) expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'], JSON.stringify(error)).toContain(error.extensions?.code);
    expect(response.body.data ?? null).toBeNull();
    expectNothingLeaked(response);
  });
});
