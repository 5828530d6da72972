// The native bcrypt package ships no typings; this is the one call the server uses.
declare module 'bcrypt' {
  export function compare(data: string, encrypted: string): Promise<boolean>;
}
