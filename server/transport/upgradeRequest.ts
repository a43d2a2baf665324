/** The parts of a WebSocket upgrade both network transports handle the same way. */
import type { TransportHandlers, UpgradeDecision, UpgradeRequest } from './Transport.ts';

/** The refusal sent when the engine's decision throws or rejects (it should not; a custom handler may). */
export const UPGRADE_FAILED: UpgradeDecision = { ok: false, status: 500, reason: 'upgrade failed' };

/** The subprotocols a `sec-websocket-protocol` header offers, in order, trimmed, empty ones left out. */
export function offeredProtocols(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** The engine's decision on `request`, or {@link UPGRADE_FAILED} when `handlers.upgrade` throws. */
export function decideUpgrade(
  handlers: TransportHandlers,
  request: UpgradeRequest,
): UpgradeDecision | Promise<UpgradeDecision> {
  try {
    return handlers.upgrade(request);
  } catch {
    return UPGRADE_FAILED;
  }
}
