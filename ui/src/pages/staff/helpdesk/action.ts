import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { actionKey, ApiError } from '../../../api/client';

const AFFECTED = ['ticket', 'tickets', 'visits', 'helpdesk', 'board', 'notifications'];
/** Refusals that say the page's data is out of date: a conflict, a rule the new state breaks. */
const STALE = [409, 412, 422];

/**
 * A helpdesk action: sent with one Idempotency-Key per attempt at it (a retried click changes
 * nothing twice; a new key once it succeeded), then what it changed is fetched again (the live
 * events do the same, for the other screens).
 */
export function useAction<V, T>(send: (vars: V, key: string) => Promise<T>, options: { done: string | ((answer: T) => string); onDone?: (answer: T) => void }) {
  const queries = useQueryClient();
  const [key, setKey] = useState(actionKey);
  const refetch = () => {
    for (const prefix of AFFECTED) void queries.invalidateQueries({ queryKey: [prefix] });
  };
  return useMutation({
    mutationFn: (vars: V) => send(vars, key),
    // Refused because things changed meanwhile (an expert booked, a visit started): what the form
    // offered is out of date, so it is fetched again next to the API's message.
    onError: (error) => {
      if (error instanceof ApiError && STALE.includes(error.problem.status ?? 0)) refetch();
    },
    onSuccess: (answer) => {
      setKey(actionKey());
      refetch();
      notifications.show({ color: 'green', message: typeof options.done === 'string' ? options.done : options.done(answer), closeButtonProps: { 'aria-label': 'Close the message' } });
      options.onDone?.(answer);
    },
  });
}
