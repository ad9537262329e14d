import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { handlers, pool } from './baseline-handlers.ts';
import { serve } from './serve.ts';

/**
 * The baseline: the practical limit of node:http + pg for the bench's workloads
 * (baseline-handlers.ts does the work). What it leaves out is exactly the gateway's overhead: no
 * authentication, no GraphQL parsing, validation or execution, no input validation, no plugins.
 *
 * The request body is the gateway's (a GraphQL document and its variables); the route says which
 * workload it is. The tenant comes from X-Org-ID / X-Project-ID, the creating user from X-User-ID.
 *
 * Environment: as baseline-handlers.ts, and PORT (0 = any), HOST.
 */

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const server = createServer((request, response) => {
  void (async () => {
    if (request.url === '/readyz') {
      try {
        await pool.query('select 1');
        return send(response, 200, '{"ready":true}');
      } catch {
        return send(response, 503, '{"ready":false}');
      }
    }
    const handler = handlers[request.url ?? ''];
    if (!handler || request.method !== 'POST') return send(response, 404, '{"errors":[{"message":"not found"}]}');
    try {
      const body = JSON.parse(await readBody(request)) as { variables?: Record<string, unknown> };
      const tenant = {
        organizationId: String(request.headers['x-org-id']),
        projectId: String(request.headers['x-project-id']),
      };
      const data = await handler({ variables: body.variables ?? {}, tenant, user: String(request.headers['x-user-id']) });
      send(response, 200, JSON.stringify({ data }));
    } catch (error) {
      send(response, 500, JSON.stringify({ errors: [{ message: (error as Error).message }] }));
    }
  })();
});

serve(server, pool);
