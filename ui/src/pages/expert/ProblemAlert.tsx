import { Alert, List } from '@mantine/core';
import { ApiError } from '../../api/client';

/**
 * An API problem (RFC 9457) in words, next to what caused it: its title, the server's detail
 * (e.g. the hours the expert works that day, for a start outside them) and, for a form, what is
 * wrong with which field. Without an answer: that the server could not be reached.
 */
export function ProblemAlert({ error, title }: { error: Error | null | undefined; title?: string }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return (
      <Alert color="red" role="alert" title={title ?? 'Could not reach the server'}>
        Check your connection and try again ({error.message}).
      </Alert>
    );
  }
  const { problem } = error;
  // Each field's problem names it by `field` (the API's) or `path`.
  const fields = (problem.errors ?? []) as { field?: string; path?: string; message: string }[];
  return (
    <Alert color="red" role="alert" title={problem.title}>
      {problem.detail}
      {fields.length > 0 && (
        <List size="sm" mt={4}>
          {fields.map((f, i) => (
            <List.Item key={i}>
              {f.field ?? f.path}: {f.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
