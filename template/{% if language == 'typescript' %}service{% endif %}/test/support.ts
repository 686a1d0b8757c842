import { createServer, type Server, type Socket } from 'node:net';

import type { Express } from 'express';

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

/** A TCP server that accepts connections and never answers: a hung dependency. */
export async function hangingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return {
    port: address.port,
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Properties a health check result may have; anything else would leak detail. */
export const ALLOWED_CHECK_KEYS = new Set(['name', 'status', 'latency_ms', 'error']);

/** The names of the app's middleware and routes, in order. */
export function layerNames(app: Express): string[] {
  return (app.router as unknown as { stack: { name: string }[] }).stack.map((layer) => layer.name);
}
