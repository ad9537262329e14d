/**
 * GraphQL's own input errors quote the value they refused. That value can be a secret (credentials
 * sent where a string or object of another shape was expected), so these rewrites keep the
 * variable, the path and the reason, and drop the value.
 */
interface GraphQLErrorLike {
  message: string;
  originalError?: { message: string } | null;
}

const VARIABLE = /^(Variable "\$[^"]+") got invalid value /;
const LITERAL = /^(Expected value of type "[^"]+"), found /;

export function messageWithoutValues(error: GraphQLErrorLike): string {
  const { message } = error;
  const inner = error.originalError?.message;
  const innerSuffix = inner !== undefined && message.endsWith(`; ${inner}`) ? inner : undefined;

  const variable = VARIABLE.exec(message);
  if (variable) {
    const head = innerSuffix !== undefined ? message.slice(0, -(innerSuffix.length + 2)) : message;
    const path = / at "([^"]*)"$/.exec(head)?.[1];
    const where = path ? ` at "${path}"` : '';
    return `${variable[1]} got an invalid value${where}${innerSuffix !== undefined ? `; ${reasonWithoutValue(innerSuffix)}` : '.'}`;
  }
  const literal = LITERAL.exec(message);
  if (literal) {
    return innerSuffix !== undefined ? `${literal[1]}; ${reasonWithoutValue(innerSuffix)}` : `${literal[1]}.`;
  }
  return reasonWithoutValue(message);
}

/** "Int cannot represent non-integer value: "abc"" → "Int cannot represent non-integer value" */
function reasonWithoutValue(reason: string): string {
  const enumValue = /^Value "[\s\S]*" does not exist in ("[^"]+" enum\.)([\s\S]*)$/.exec(reason);
  if (enumValue) return `Value does not exist in ${enumValue[1]}${enumValue[2]}`;
  const cannotRepresent = /^(\S+ cannot represent [^:]*):[\s\S]*$/.exec(reason);
  if (cannotRepresent?.[1]) return cannotRepresent[1];
  return reason;
}
