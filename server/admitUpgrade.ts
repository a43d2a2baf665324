/** The server's answer to a WebSocket upgrade: capacity, subprotocol, origin, then the authenticate hook. */
import { SUBPROTOCOL } from '../shared/index.ts';
import { errorText } from './errorText.ts';
import { isOriginAllowed } from './origin.ts';
import type { RateLimitedLog } from './RateLimitedLog.ts';
import type { ResolvedServerOptions } from './serverOptions.ts';
import type { UpgradeDecision, UpgradeRequest } from './transport/Transport.ts';

/** What the upgrade decision needs to know about the server at the moment of the request. */
export interface UpgradeContext {
  /** True once the server is shutting down (upgrades then get 503). */
  readonly shuttingDown: boolean;
  /** Connections open now, handshaking or joined. */
  readonly connectionCount: number;
  /** The server's options (maxConnections, allowedOrigins, authenticate). */
  readonly options: ResolvedServerOptions;
  /** Where refusals worth a look are logged, rate-limited. */
  readonly log: RateLimitedLog;
}

/**
 * Decides `request`: 503 while shutting down or at `maxConnections`, 400 without the tickwave
 * subprotocol, 403 for a foreign origin, then the `authenticate` hook (401 or 403 when it refuses,
 * 403 when it throws or rejects). Async only when the hook is.
 */
export function admitUpgrade(
  request: UpgradeRequest,
  context: UpgradeContext,
): UpgradeDecision | Promise<UpgradeDecision> {
  const { options, log } = context;
  if (context.shuttingDown) return { ok: false, status: 503, reason: 'server shutting down' };
  if (context.connectionCount >= options.maxConnections) {
    log.log('warn', 'connections', `refused an upgrade: ${options.maxConnections} connections are open`);
    return { ok: false, status: 503, reason: 'server full' };
  }
  if (!request.protocols.includes(SUBPROTOCOL))
    return { ok: false, status: 400, reason: `subprotocol ${SUBPROTOCOL} required` };
  if (!isOriginAllowed(request.origin, request.headers['host'] ?? '', options.allowedOrigins)) {
    log.log('warn', 'origin', `rejected upgrade from origin ${request.origin.slice(0, 100)}`);
    return { ok: false, status: 403, reason: 'origin not allowed' };
  }
  const authenticate = options.authenticate;
  if (authenticate === undefined) return { ok: true, protocol: SUBPROTOCOL, userData: undefined };
  const decide = (r: Awaited<ReturnType<typeof authenticate>>): UpgradeDecision =>
    r.ok
      ? { ok: true, protocol: SUBPROTOCOL, userData: r.userData }
      : { ok: false, status: r.status === 401 ? 401 : 403, reason: r.reason ?? 'not authorized' };
  const failed = (err: unknown): UpgradeDecision => {
    log.log('error', 'authenticate', `authenticate hook threw: ${errorText(err)}`);
    return { ok: false, status: 403, reason: 'not authorized' };
  };
  try {
    const result = authenticate(request);
    return result instanceof Promise ? result.then(decide, failed) : decide(result);
  } catch (err) {
    return failed(err);
  }
}
