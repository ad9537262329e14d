import { randomUUID } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_MODEL, expectCleanErrors, MODEL_FIELDS } from '../helpers/auth-expect.ts';
import { createTestApp, type GraphQLResponse, type RequestOptions, type TestApp } from '../helpers/test-app.ts';

/**
 * What a single request may ask for: depth, aliases, directives, tokens and a cost that counts
 * connection sizes (GRAPHQL_MAX_*). Each limit is checked at its edge (at the limit is served, one
 * over is refused with a stable code), at its default and at a small value set through the
 * environment; a realistic client never meets any of them. Field suggestions are a development
 * convenience that production does not give away.
 */

let defaults: TestApp;
/** production (no field suggestions), with every limit set small through the environment */
let small: TestApp;
let auth: RequestOptions;
let smallAuth: RequestOptions;

beforeAll(async () => {
  [defaults, small] = await Promise.all([
    createTestApp(),
    // every small limit at once; each query sent to this app keeps within the others
    createTestApp({
      env: {
        NODE_ENV: 'production',
        GRAPHQL_MAX_DEPTH: '3',
        GRAPHQL_MAX_ALIASES: '2',
        GRAPHQL_MAX_DIRECTIVES: '1',
        GRAPHQL_MAX_TOKENS: '41',
        GRAPHQL_MAX_COST: '301',
      },
    }),
  ]);
  const tenant = await defaults.newTenant();
  auth = { token: tenant.token, project: tenant.projectId };
  const smallTenant = await small.newTenant();
  smallAuth = { token: smallTenant.token, project: smallTenant.projectId };
});
afterAll(async () => {
  await Promise.all([defaults, small].map((app) => app?.close()));
});

/** Served: no errors at all, data present. */
function expectServed(response: GraphQLResponse): void {
  expect(response.body.errors, response.text).toBeUndefined();
  expect(response.status, response.text).toBe(200);
  expect(response.body.data, response.text).toBeTruthy();
}

/** Refused by a limit: exactly one error with this code and message, nothing executed. */
function expectRefused(response: GraphQLResponse, code: string, message: RegExp, status = 200): void {
  expectCleanErrors(response);
  expect(response.body.errors, response.text).toHaveLength(1);
  expect(response.body.errors?.[0]?.extensions?.code, response.text).toBe(code);
  expect(response.body.errors?.[0]?.message, response.text).toMatch(message);
  expect(response.body.data ?? null, response.text).toBeNull();
  expect(response.status, response.text).toBe(status);
}

/** `__type` → fields → type → ofType × n → name: the schema's one recursion, depth 4 + n. */
function queryOfDepth(depth: number): string {
  let selection = 'name';
  for (let level = 0; level < depth - 4; level++) selection = `ofType { ${selection} }`;
  return `query Deep { __type(name: "Model") { fields { type { ${selection} } } } }`;
}

function aliasedCounts(count: number): string {
  return `query Aliased { ${Array.from({ length: count }, (_, i) => `a${i}: models(first: 1) { totalCount }`).join(' ')} }`;
}

function inlineDirectives(count: number): string {
  return `query Directed { ${Array.from({ length: count }, () => '... on Query @include(if: true) { __typename }').join(' ')} }`;
}

/** A valid document of exactly `tokens` lexical tokens (tokens - 2 must be a multiple of 3). */
function queryOfTokens(tokens: number): string {
  const fields = (tokens - 2) / 3;
  if (!Number.isInteger(fields)) throw new Error(`no query of ${tokens} tokens of this shape`);
  // `aN: __typename` is three tokens; aliases of __typename are free under the alias limit
  return `{ ${Array.from({ length: fields }, (_, i) => `a${i}: __typename`).join(' ')} }`;
}

const EVERY_FIELD = MODEL_FIELDS;

describe('query depth (GRAPHQL_MAX_DEPTH, default 10)', () => {
  it('serves a query just under and exactly at the default depth of 10', async () => {
    expectServed(await defaults.gql(queryOfDepth(9), undefined, auth));
    expectServed(await defaults.gql(queryOfDepth(10), undefined, auth));
  });

  it('refuses a query one level deeper than 10 with GRAPHQL_VALIDATION_FAILED, saying the limit and the depth found', async () => {
    expectRefused(await defaults.gql(queryOfDepth(11), undefined, auth), 'GRAPHQL_VALIDATION_FAILED', /^Query depth limit of 10 exceeded, found 11\.$/);
  });

  it('refuses depth 50 the same way', async () => {
    expectRefused(await defaults.gql(queryOfDepth(50), undefined, auth), 'GRAPHQL_VALIDATION_FAILED', /depth limit of 10 exceeded, found 50/);
  });

  it('leaves the standard introspection query (what GraphiQL sends) working with the default limits', async () => {
    for (const query of [
      getIntrospectionQuery(),
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    ]) {
      // GraphiQL sends it without a token
      const response = await defaults.gql(query, undefined, { token: null });
      expectServed(response);
      const schema = response.body.data!.__schema;
      expect(schema.queryType.name).toBe('Query');
      expect(schema.mutationType.name).toBe('Mutation');
      expect(schema.types.map((type: { name: string }) => type.name)).toContain('ModelConnection');
    }
  });

  it('applies a depth set through the environment (GRAPHQL_MAX_DEPTH=3)', async () => {
    expectServed(await small.gql('{ models { pageInfo { hasNextPage } } }', undefined, smallAuth));
    expectRefused(
      await small.gql('{ models { edges { node { id } } } }', undefined, smallAuth),
      'GRAPHQL_VALIDATION_FAILED',
      /depth limit of 3 exceeded, found 4/,
    );
  });
});

describe('aliases (GRAPHQL_MAX_ALIASES, default 15)', () => {
  it('serves 15 aliased fields and refuses 16 with GRAPHQL_VALIDATION_FAILED', async () => {
    expectServed(await defaults.gql(aliasedCounts(15), undefined, auth));
    expectRefused(
      await defaults.gql(aliasedCounts(16), undefined, auth),
      'GRAPHQL_VALIDATION_FAILED',
      /^Aliases limit of 15 exceeded, found 16\.$/,
    );
  });

  it('refuses 1,000 aliases', async () => {
    const response = await defaults.gql(aliasedCounts(1_000), undefined, auth);
    // 1,000 aliased fields are also over the token limit, which the parser meets first
    expectRefused(response, 'GRAPHQL_PARSE_FAILED', /Token limit of 2000 exceeded/);
  });

  it('counts aliases inside fragments too', async () => {
    const fragment = `fragment Counts on Query { ${Array.from({ length: 16 }, (_, i) => `f${i}: models(first: 1) { totalCount }`).join(' ')} }`;
    expectRefused(
      await defaults.gql(`query ViaFragment { ...Counts } ${fragment}`, undefined, auth),
      'GRAPHQL_VALIDATION_FAILED',
      /Aliases limit of 15 exceeded/,
    );
  });

  it('applies a limit set through the environment (GRAPHQL_MAX_ALIASES=2)', async () => {
    expectServed(await small.gql(aliasedCounts(2), undefined, smallAuth));
    expectRefused(await small.gql(aliasedCounts(3), undefined, smallAuth), 'GRAPHQL_VALIDATION_FAILED', /Aliases limit of 2 exceeded, found 3/);
  });
});

describe('directives (GRAPHQL_MAX_DIRECTIVES, default 10)', () => {
  it('serves 10 directives and refuses 11 with GRAPHQL_VALIDATION_FAILED', async () => {
    expectServed(await defaults.gql(inlineDirectives(10), undefined, auth));
    expectRefused(
      await defaults.gql(inlineDirectives(11), undefined, auth),
      'GRAPHQL_VALIDATION_FAILED',
      /Directives limit of 10 exceeded, found 11/,
    );
  });

  it('applies a limit set through the environment (GRAPHQL_MAX_DIRECTIVES=1)', async () => {
    expectServed(await small.gql('{ models @include(if: true) { totalCount } }', undefined, smallAuth));
    expectRefused(
      await small.gql('{ models @include(if: true) { totalCount @skip(if: false) } }', undefined, smallAuth),
      'GRAPHQL_VALIDATION_FAILED',
      /Directives limit of 1 exceeded, found 2/,
    );
  });
});

describe('tokens (GRAPHQL_MAX_TOKENS, default 2000)', () => {
  it('serves a document of exactly 2000 tokens and refuses 2001 with GRAPHQL_PARSE_FAILED', async () => {
    const atLimit = await defaults.gql(queryOfTokens(2_000), undefined, auth);
    expectServed(atLimit);
    expect(Object.keys(atLimit.body.data!)).toHaveLength(666);

    const over = queryOfTokens(2_000).replace(/ }$/, ' __typename }'); // one token more
    expectRefused(await defaults.gql(over, undefined, auth), 'GRAPHQL_PARSE_FAILED', /Token limit of 2000 exceeded/);
  });

  it('applies a limit set through the environment (GRAPHQL_MAX_TOKENS=41)', async () => {
    expectServed(await small.gql(queryOfTokens(41), undefined, { token: null }));
    expectRefused(
      await small.gql(`{ ${Array.from({ length: 40 }, () => '__typename').join(' ')} }`, undefined, { token: null }),
      'GRAPHQL_PARSE_FAILED',
      /Token limit of 41 exceeded/,
    );
  });
});

describe('cost (GRAPHQL_MAX_COST, default 10000), counting first/last of connections', () => {
  // cost of one `x: models(first: n) { edges { cursor node { …27 fields } } nodes { …27 fields } }`:
  // 1 + n × (edges 1 + cursor 1 + node 28 + nodes 28) = 1 + 58n; two of them at n = 100: 11,602
  const twoFullPages = (argument: string) => `query TwoPages($n: Int) {
    a: models(${argument}: $n) { edges { cursor node { ${EVERY_FIELD} } } nodes { ${EVERY_FIELD} } }
    b: models(${argument}: $n) { edges { cursor node { ${EVERY_FIELD} } } nodes { ${EVERY_FIELD} } }
  }`;

  it('serves models(first: 100) { nodes { id } }', async () => {
    const response = await defaults.gql('{ models(first: 100) { nodes { id } } }', undefined, auth);
    expectServed(response);
  });

  it('serves the largest page of every field with totalCount, edges, nodes and pageInfo', async () => {
    const query = `{ models(first: 100) { totalCount edges { cursor node { ${EVERY_FIELD} } } nodes { ${EVERY_FIELD} }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    expectServed(await defaults.gql(query, undefined, auth));
  });

  it('refuses two full pages of every field (cost 11,602) with QUERY_TOO_COMPLEX, when first is a literal', async () => {
    const literal = twoFullPages('first').replace('query TwoPages($n: Int)', 'query TwoPages').replaceAll('$n', '100');
    const response = await defaults.gql(literal, undefined, auth);
    expectRefused(response, 'QUERY_TOO_COMPLEX', /Query cost 11602 exceeds the limit of 10000/);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ cost: 11_602, maxCost: 10_000 });
  });

  it('refuses the same when first comes from a variable, and serves it with a smaller page', async () => {
    expectRefused(await defaults.gql(twoFullPages('first'), { n: 100 }, auth), 'QUERY_TOO_COMPLEX', /Query cost 11602/);
    expectServed(await defaults.gql(twoFullPages('first'), { n: 10 }, auth));
  });

  it('judges a document whose variables decide its cost by the variables of each request, in any order', async () => {
    // the first answer must not be remembered for the document: small, large, small again
    expectServed(await defaults.gql(twoFullPages('first'), { n: 5 }, auth));
    expectRefused(await defaults.gql(twoFullPages('first'), { n: 100 }, auth), 'QUERY_TOO_COMPLEX', /Query cost 11602/);
    expectServed(await defaults.gql(twoFullPages('first'), { n: 5 }, auth));
    expectRefused(await defaults.gql(twoFullPages('first'), { n: 99 }, auth), 'QUERY_TOO_COMPLEX', /Query cost 11486/);
  });

  it('weighs last like first', async () => {
    expectRefused(await defaults.gql(twoFullPages('last'), { n: 100 }, auth), 'QUERY_TOO_COMPLEX', /Query cost 11602/);
  });

  it('counts what fragments select', async () => {
    const query = `query Fragmented($n: Int) { a: models(first: $n) { ...Page } b: models(first: $n) { ...Page } }
      fragment Page on ModelConnection { edges { cursor node { ...All } } nodes { ...All } }
      fragment All on Model { ${EVERY_FIELD} }`;
    expectRefused(await defaults.gql(query, { n: 100 }, auth), 'QUERY_TOO_COMPLEX', /Query cost 11602/);
  });

  it('applies a limit set through the environment, refusing one over and serving exactly at it (GRAPHQL_MAX_COST=301)', async () => {
    // 1 + 100 × (nodes 1 + 2 fields) = 301
    expectServed(await small.gql('{ models(first: 100) { nodes { id name } } }', undefined, smallAuth));
    // 1 + 100 × (1 + 3) = 401
    const response = await small.gql('{ models(first: 100) { nodes { id name litellmModel } } }', undefined, smallAuth);
    expectRefused(response, 'QUERY_TOO_COMPLEX', /Query cost 401 exceeds the limit of 301/);
  });

  it('counts the default page size (20) when neither first nor last is given', async () => {
    // 1 + 20 × (1 + 14) = 301: at the limit; one field more is 321
    const fourteen = 'id name litellmModel status resourceUri organizationId projectId createdAt updatedAt createdBy updatedBy tags provider mode';
    expectServed(await small.gql(`{ models { nodes { ${fourteen} } } }`, undefined, smallAuth));
    expectRefused(
      await small.gql(`{ models { nodes { ${fourteen} rpm } } }`, undefined, smallAuth),
      'QUERY_TOO_COMPLEX',
      /Query cost 321 exceeds the limit of 301/,
    );
  });

  it('counts first when it comes from a variable\'s default value', async () => {
    // $n is not sent, so it takes its default 100: the page really holds up to 100 models, cost 401
    const query = 'query Defaulted($n: Int = 100) { models(first: $n) { nodes { id name litellmModel } } }';
    const response = await small.gql(query, {}, smallAuth);
    expectRefused(response, 'QUERY_TOO_COMPLEX', /Query cost 401 exceeds the limit of 301/);
  });
});

describe('default limits a real client never meets', () => {
  it('serves createModel with every input field and a filtered, ordered listing of every Model field', async () => {
    const tenant = await defaults.newTenant();
    const options = { token: tenant.token, project: tenant.projectId };
    const tag = `t-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) {
      const created = await defaults.gql(
        CREATE_MODEL,
        {
          input: {
            name: `Realistic ${i}`,
            litellmModel: 'openai/gpt-4o',
            credentials: { api_key: `sk-${randomUUID()}`, organization: 'org-1', extra: { region: 'eu' } },
            apiBase: 'https://api.openai.com/v1',
            apiVersion: '2024-06-01',
            defaultMaxTokens: 1024,
            defaultTemperature: 0.7,
            description: 'a model a real client registers',
            maxInputTokens: 128_000,
            maxOutputTokens: 4_096,
            mode: 'CHAT',
            provider: 'openai',
            resourceUri: `realistic-${i}-${tag}`,
            rpm: 500,
            tags: [tag, 'production'],
            timeout: 60,
            tpm: 100_000,
          },
        },
        options,
      );
      expectServed(created);
    }

    const list = await defaults.gql(
      `query ListModels($first: Int, $after: String, $filter: ModelFilter, $orderBy: [ModelOrder!]) {
        models(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
          totalCount
          edges { cursor node { ${EVERY_FIELD} } }
          nodes { ${EVERY_FIELD} }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }`,
      {
        first: 100,
        filter: { search: 'realistic', status: ['PENDING'], mode: ['CHAT'], tags: [tag], provider: ['openai'] },
        orderBy: [{ field: 'NAME', direction: 'ASC' }, { field: 'CREATED_AT', direction: 'DESC' }],
      },
      options,
    );
    expectServed(list);
    expect(list.body.data!.models.totalCount).toBe(3);
    expect(list.body.data!.models.nodes.map((model: { name: string }) => model.name)).toEqual([
      'Realistic 0',
      'Realistic 1',
      'Realistic 2',
    ]);
  });
});

describe('field suggestions ("Did you mean …?")', () => {
  const misspellings: Array<{ what: string; query: string; variables?: Record<string, unknown> }> = [
    { what: 'a misspelled field', query: '{ modelz { totalCount } }' },
    { what: 'a misspelled argument', query: '{ models(frist: 1) { totalCount } }' },
    { what: 'a misspelled input field in the query', query: '{ models(filter: { serch: "x" }) { totalCount } }' },
    { what: 'a misspelled type of a variable', query: 'query($f: ModelFiltr) { models(filter: $f) { totalCount } }', variables: { f: {} } },
    { what: 'a misspelled enum value in the query', query: '{ models(filter: { status: [ACTIV] }) { totalCount } }' },
    {
      what: 'a misspelled input field in variables',
      query: 'query($f: ModelFilter) { models(filter: $f) { totalCount } }',
      variables: { f: { serch: 'x' } },
    },
    {
      what: 'a misspelled enum value in variables',
      query: 'query($s: [ModelStatus!]) { models(filter: { status: $s }) { totalCount } }',
      variables: { s: ['ACTIV'] },
    },
  ];

  it.each(misspellings)('are given in development for $what', async ({ query, variables }) => {
    const tenant = await defaults.newTenant();
    const response = await defaults.gql(query, variables, { token: tenant.token, project: tenant.projectId });
    expectCleanErrors(response);
    expect(response.body.errors?.[0]?.message, response.text).toMatch(/Did you mean/);
  });

  it.each(misspellings)('are not given in production (NODE_ENV=production) for $what', async ({ query, variables }) => {
    const tenant = await small.newTenant();
    const response = await small.gql(query, variables, { token: tenant.token, project: tenant.projectId });
    expectCleanErrors(response);
    expect(response.body.errors?.length, response.text).toBeGreaterThan(0);
    expect(response.text).not.toMatch(/Did you mean/i);
  });
});
