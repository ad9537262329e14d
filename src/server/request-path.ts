/**
 * Whether a request URL's path ends in /graphql, without building a URL object: the hooks that
 * run on every request ask this instead of parsing the URL of every GraphQL request.
 */
export function isGraphQLPath(url: string): boolean {
  const end = url.search(/[?#]/);
  return (end < 0 ? url : url.slice(0, end)).endsWith('/graphql');
}
