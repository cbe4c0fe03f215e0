/** The HTTP plumbing the loopback fakes (EC2, Lambda) share. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type RequestHandler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** Listens on 127.0.0.1 (random port) and hands each request, with its whole body, to `handler`. */
export async function serveOnLoopback(handler: RequestHandler): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The access key id a SigV4-signed request was signed with (`Credential=<key>/...`), if any. */
export function accessKeyOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
}

/** Closes the server and any connection still open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

/** A fake that answers each request itself. */
export interface LoopbackFake {
  process(req: IncomingMessage, body: string, res: ServerResponse): void | Promise<void>;
}

/** Serves the fake `make` builds (given its server) on 127.0.0.1, random port. */
export async function startLoopbackFake<T extends LoopbackFake>(
  make: (server: Server) => T,
): Promise<T> {
  const built: { fake?: T } = {};
  const server = await serveOnLoopback((req, body, res) => {
    void built.fake?.process(req, body, res);
  });
  built.fake = make(server);
  return built.fake;
}
