import { NotificationData, notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import type { ExpertCommand } from '../../offline/commands';
import { useOutbox } from '../../offline/OfflineProvider';
import type { Outcome } from '../../offline/outbox';

/**
 * One message per kind, the last replacing the one before (a phone's screen is small: steps in
 * a row do not pile up), closable by name.
 */
function tell(id: string, message: Omit<NotificationData, 'id'>): void {
  const data = { ...message, id, closeButtonProps: { 'aria-label': 'Close the message' } };
  notifications.update(data);
  notifications.show(data);
}

/**
 * A command of the expert, through the outbox: sent now when it can be, else kept on the device
 * and sent when the connection is back. The mutation fails (its error shown beside the button)
 * only when the server refuses it now. Runs offline too (`networkMode: 'always'`): queuing is the point.
 */
export function useCommand(options: { onDone?: (outcome: Outcome, command: ExpertCommand) => void; /** The message once applied (none: what changes on the page says it). */ sent?: string } = {}) {
  const outbox = useOutbox();
  return useMutation({
    networkMode: 'always',
    mutationFn: ({ command, label }: { command: ExpertCommand; label: string }) => outbox.submit(command, label),
    onSuccess: (outcome, { command, label }) => {
      if (outcome.status === 'queued') {
        tell('command-queued', { color: 'orange', title: 'Saved on this device', message: `${label}: sent when you are back online.` });
      } else if (options.sent) {
        tell('command-sent', { color: 'green', title: options.sent, message: label });
      }
      options.onDone?.(outcome, command);
    },
  });
}
