import { STATUS_AFTER } from '../../offline/commands';
import type { Outbox, QueuedCommand } from '../../offline/outbox';

/**
 * The visit's status as the expert sees it: the server's, moved on by the steps still waiting to
 * be sent (offline, an expert records "arrived" then "started": the page follows them). A step
 * being sent while the expert waits for the answer does not count yet: it may be refused.
 */
export function pendingStatus(serverStatus: string, visitId: string, queued: readonly QueuedCommand[], outbox: Outbox): { status: string; pending: boolean } {
  let status = serverStatus;
  let pending = false;
  for (const item of queued) {
    if (item.state !== 'waiting' || item.command.kind !== 'step' || item.command.visitId !== visitId || outbox.isAwaited(item.id)) continue;
    status = STATUS_AFTER[item.command.step];
    pending = true;
  }
  return { status, pending };
}
