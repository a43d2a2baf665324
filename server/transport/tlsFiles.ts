/** The TLS option both network transports take, checked the same way. */
import { existsSync } from 'node:fs';
import type { TlsOptions } from '../serverOptions.ts';

/** Throws, naming `owner` and the path, when a TLS file does not exist; no-op without TLS. */
export function checkTlsFiles(owner: string, tls: TlsOptions | undefined): void {
  if (tls === undefined) return;
  for (const file of [tls.keyFile, tls.certFile]) {
    if (!existsSync(file)) throw new Error(`${owner}: TLS file ${file} does not exist`);
  }
}
