import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL with its scripts and styles in the page itself. Yoga's default page loads them from
 * unpkg.com, so GraphiQL stayed blank on a machine without internet access, and every visit ran
 * a CDN's code in a page that holds the user's bearer token.
 *
 * The bundle is ~9 MB of JavaScript: it is loaded on the first visit rather than at start, and
 * the page rendered once per set of options.
 */
export function createGraphiQLRenderer(): (options: GraphiQLOptions) => Promise<string> {
  const pages = new Map<string, Promise<string>>();
  return (options) => {
    const key = JSON.stringify(options);
    let page = pages.get(key);
    if (!page) {
      page = import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options));
      page.catch(() => pages.delete(key));
      pages.set(key, page);
    }
    return page;
  };
}
