/**
 * Reads from many TCP sockets into one shared buffer instead of a fresh allocation
 * per read. Node's per-read 64 KiB allocations cost page faults and GC on the
 * busiest path (about a third of the CPU at 1 KiB messages, measured); the event loop
 * processes each read to completion, so one buffer serves every connection.
 *
 * This is the documented `onread` mode of net.Socket, switched on for a socket that
 * net.Server already created (accepted with pauseOnConnect). Node offers no option
 * for that, so the switch finds the socket's onread slots by their symbol names;
 * where they are absent the caller falls back to 'data' events.
 */
import type net from 'node:net';

/** nats-server's largest read size; larger reads measured slower at 1 KiB messages (the sender stalls more). */
export const SHARED_READ_SIZE = 64 * 1024;

let shared: Buffer | null = null;

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/**
 * Routes the socket's reads to `onChunk(view)`, where `view` is valid only during the
 * call; `onChunk` returns false to stop reading. Returns false (and changes nothing)
 * when this Node cannot do it.
 */
export function readIntoSharedBuffer(socket: net.Socket, onChunk: (view: Buffer) => boolean): boolean {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return false;
  const symbols = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]));
  const kBuffer = symbols.get('kBuffer');
  const kBufferCb = symbols.get('kBufferCb');
  const kBufferGen = symbols.get('kBufferGen');
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined) return false;
  shared ??= Buffer.allocUnsafe(SHARED_READ_SIZE);
  const buffer = shared;
  const slots = socket as unknown as Record<symbol, unknown>;
  slots[kBuffer] = buffer;
  slots[kBufferGen] = null;
  // Returning false stops the handle reading until socket.read(0) starts it again.
  slots[kBufferCb] = (nread: number): boolean => onChunk(buffer.subarray(0, nread));
  handle.useUserBuffer(buffer);
  return true;
}

/** True if `buf` is a view of the shared read buffer, which the next read overwrites. */
export function isSharedReadBuffer(buf: Buffer): boolean {
  return shared !== null && buf.buffer === shared.buffer;
}
