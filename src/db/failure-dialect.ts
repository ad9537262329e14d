import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { ServiceUnavailableError, TimeoutError } from '../errors.ts';
import { classifyDatabaseError } from './errors.ts';

/**
 * Wraps a dialect so that failures of the database itself (unreachable, connection lost, not
 * migrated, statement timeout) leave the data layer as ServiceUnavailableError / TimeoutError.
 * Translating here, where the error is known to come from the database, keeps an unrelated
 * ECONNREFUSED elsewhere from being reported as a database outage.
 */
export function withFailureTranslation(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      // Kysely recognises pooled connections by identity, so each one keeps a single proxy.
      const connections = new WeakMap<DatabaseConnection, DatabaseConnection>();
      const proxyOf = (connection: DatabaseConnection) => {
        let proxy = connections.get(connection);
        if (!proxy) {
          proxy = translatingProxy(connection);
          connections.set(connection, proxy);
        }
        return proxy;
      };
      return translatingProxy(dialect.createDriver(), (name, result) =>
        name === 'acquireConnection' ? proxyOf(result as DatabaseConnection) : result,
      ) as Driver;
    },
  };
}

function translatingProxy<T extends object>(target: T, mapResult?: (name: string, result: unknown) => unknown): T {
  // Kysely reads a method for every call (three per query): each is wrapped once, not per read.
  const wrappers = new Map<PropertyKey, { method: unknown; wrapper: unknown }>();
  const wrap = (method: (...args: unknown[]) => unknown, property: PropertyKey) => {
    if (property === 'streamQuery') return method.bind(target);
    return async (...args: unknown[]) => {
      try {
        const result = await method.apply(target, args);
        return mapResult ? mapResult(String(property), result) : result;
      } catch (error) {
        throw translate(error);
      }
    };
  };
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      const cached = wrappers.get(property);
      if (cached?.method === value) return cached.wrapper;
      const wrapper = wrap(value as (...args: unknown[]) => unknown, property);
      wrappers.set(property, { method: value, wrapper });
      return wrapper;
    },
  });
}

function translate(error: unknown): unknown {
  switch (classifyDatabaseError(error)) {
    case 'timeout':
      return new TimeoutError('The database did not answer in time; try again', { cause: error });
    case 'unavailable':
      return new ServiceUnavailableError('The database is unavailable; try again shortly', { cause: error });
    default:
      return error;
  }
}
