// Start-up fails fast on a busy port: checked before the database starts and demo data loads (which take seconds),
// not discovered when the HTTP server finally listens.
import { createServer } from 'node:net';

export class PortInUseError extends Error {}

/** Resolves when `port` on `host` can be listened on; rejects with a message naming both when it cannot. */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return; // the system picks a free one
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(`port ${port} on ${host} is already in use: stop what is using it, or set PORT`));
      else if (err.code === 'EACCES') reject(new PortInUseError(`no permission to listen on port ${port} on ${host}: choose another PORT`));
      else reject(err);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
