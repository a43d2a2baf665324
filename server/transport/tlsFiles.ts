/** The TLS option both network transports take, checked the same way. */
import { existsSync } from 'node:fs';

/** TLS files for wss://. */
export interface TlsOptions {
  /** Path of the PEM private key. */
  readonly keyFile: string;
  /** Path of the PEM certificate (chain). */
  readonly certFile: string;
  /** The key's passphrase, if any. */
  readonly passphrase?: string;
}

/** Throws, naming `owner` and the path, when a TLS file does not exist; no-op without TLS. */
export function checkTlsFiles(owner: string, tls: TlsOptions | undefined): void {
  if (tls === undefined) return;
  for (const file of [tls.keyFile, tls.certFile]) {
    if (!existsSync(file)) throw new Error(`${owner}: TLS file ${file} does not exist`);
  }
}
