import { GraphQLError, GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';

/**
 * graphql-scalars' DateTime, serialized to its ISO string here rather than left as a Date for
 * JSON.stringify to convert: a value with toJSON takes V8's JSON.stringify off its fast path for
 * the whole response, which made serializing a page of 20 models three times slower. The JSON
 * is the same.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize: (value) => (DateTimeResolver.serialize(value) as Date).toISOString(),
});

/**
 * graphql-scalars' JSONObject, except that a refusal does not quote the value it refused: this
 * scalar carries credentials, and a message like "cannot represent non-object value: sk-…"
 * would echo a secret back.
 */
export const JSONObjectScalar = new GraphQLScalarType({
  name: 'JSONObject',
  description: JSONObjectResolver.description,
  specifiedByURL: JSONObjectResolver.specifiedByURL,
  serialize: (value) => JSONObjectResolver.serialize(value),
  parseValue(value) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notAnObject();
    return value;
  },
  parseLiteral(ast, variables) {
    try {
      return JSONObjectResolver.parseLiteral(ast, variables);
    } catch {
      throw notAnObject();
    }
  },
});

// A GraphQLError, so that GraphQL reports it as it is instead of wrapping it with the value quoted.
function notAnObject(): GraphQLError {
  return new GraphQLError('JSONObject must be an object');
}
