import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { actionKey } from '../../../api/client';

/**
 * A billing action by an admin (a refund, a credit note): one Idempotency-Key per attempt at it
 * (a retried click refunds once; a new key once it succeeded), then the customer's invoices are
 * fetched again.
 */
export function useBillingAction<V, T>(customerId: string, send: (vars: V, key: string) => Promise<T>, done: (answer: T) => string) {
  const queries = useQueryClient();
  const [key, setKey] = useState(actionKey);
  return useMutation({
    mutationFn: (vars: V) => send(vars, key),
    onSuccess: (answer) => {
      setKey(actionKey());
      void queries.invalidateQueries({ queryKey: ['billing', customerId] });
      notifications.show({ color: 'green', message: done(answer), closeButtonProps: { 'aria-label': 'Close the message' } });
    },
  });
}
