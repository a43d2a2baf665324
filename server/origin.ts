/** The Origin allow-list check for WebSocket upgrades. */

/**
 * True if a browser page at `origin` may connect. Requests without an Origin (non-browser clients,
 * which could send any Origin anyway) pass; so do origins listed in `allowed` (exact match, e.g.
 * `https://game.example`), every origin when `allowed` is '*', and same-origin pages (the Origin's
 * host:port equals the request's Host header).
 */
export function isOriginAllowed(origin: string, hostHeader: string, allowed: readonly string[] | '*'): boolean {
  if (allowed === '*' || origin === '') return true;
  if (allowed.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return host !== '' && host.toLowerCase() === hostHeader.toLowerCase();
}
