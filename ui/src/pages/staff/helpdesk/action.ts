import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { actionKey } from '../../../api/client';

/**
 * A helpdesk action: sent with one Idempotency-Key per attempt at it (a retried click changes
 * nothing twice; a new key once it succeeded), then what it changed is fetched again (the live
 * events do the same, for the other screens).
 */
export function useAction<V, T>(send: (vars: V, key: string) => Promise<T>, options: { done: string | ((answer: T) => string); onDone?: (answer: T) => void }) {
  const queries = useQueryClient();
  const [key, setKey] = useState(actionKey);
  return useMutation({
    mutationFn: (vars: V) => send(vars, key),
    onSuccess: (answer) => {
      setKey(actionKey());
      for (const prefix of ['ticket', 'tickets', 'visits', 'helpdesk', 'board', 'notifications']) void queries.invalidateQueries({ queryKey: [prefix] });
      notifications.show({ color: 'green', message: typeof options.done === 'string' ? options.done : options.done(answer), closeButtonProps: { 'aria-label': 'Close the message' } });
      options.onDone?.(answer);
    },
  });
}
