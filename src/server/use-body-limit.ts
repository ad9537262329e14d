import { IncomingMessage } from 'node:http';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * Refuses a request body over `maxBytes` with 413 before anything parses it (by Content-Length,
 * or while streaming a body sent without one), and answers a content type Yoga cannot parse with
 * a GraphQL error instead of an empty 415.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  const tooLarge = () =>
    createGraphQLError(`Request body is larger than ${maxBytes} bytes`, {
      extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } },
    });

  return {
    onRequest({ request }) {
      // Media types are case-insensitive (RFC 9110), but Yoga picks its JSON parser only for the
      // exact lower-case spelling: a client sending "Application/JSON" would otherwise get 415.
      const contentType = request.headers.get('content-type');
      if (contentType && contentType !== 'application/json' && !contentType.startsWith('application/json;')) {
        const normalized = normalizedJsonContentType(contentType);
        if (normalized) request.headers.set('content-type', normalized);
      }
    },
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI, serverContext }) {
      // Other methods are Yoga's to answer (405 with Allow).
      if (request.method !== 'GET' && request.method !== 'POST') return;
      // Only JSON is accepted: form and multipart posts could otherwise run mutations from a
      // plain HTML form on another site.
      if (!requestParser || (request.method === 'POST' && mediaTypeOf(request.headers.get('content-type')) !== 'application/json')) {
        throw createGraphQLError('Unsupported content type: send application/json', {
          extensions: { code: 'UNSUPPORTED_MEDIA_TYPE', http: { status: 415 } },
        });
      }
      if (request.method !== 'POST') return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (Number(declared) > maxBytes) throw tooLarge();
        // Node's HTTP parser hands over exactly Content-Length bytes, so a body that came through
        // it is bounded already: Yoga's own parser reads it without a stream reader (a quarter of
        // the CPU of a small request). Bodies without a length, or handed to the fetch handler
        // directly, are counted as they stream in.
        if ((serverContext as { req?: unknown }).req instanceof IncomingMessage) return;
      }
      if (!request.body) return;
      setRequestParser(async (incoming) => {
        const body = await readAtMost(incoming, maxBytes, tooLarge);
        return requestParser(new fetchAPI.Request(incoming.url, { method: 'POST', headers: incoming.headers, body }));
      });
    },
  };
}

/** "Application/JSON ; charset=UTF-8" → "application/json": the type without its parameters. */
function mediaTypeOf(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

/** "Application/JSON ; charset=UTF-8" → "application/json; charset=UTF-8"; undefined for other types. */
function normalizedJsonContentType(contentType: string): string | undefined {
  if (mediaTypeOf(contentType) !== 'application/json') return undefined;
  const parameters = contentType.split(';').slice(1);
  return ['application/json', ...parameters.map((parameter) => parameter.trim())].join('; ');
}

async function readAtMost(request: Request, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
