import type net from 'node:net';

/** Binds `listener` to host:port (port 0 or -1: a free one); rejects with the bind error. */
export function listenOn(listener: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ host, port: port < 0 ? 0 : port }, () => {
      listener.off('error', reject);
      resolve((listener.address() as net.AddressInfo).port);
    });
  });
}
