import { Alert, Button } from '@mantine/core';

/** A query that failed: what could not be loaded, the API's words, and a way to try again. */
export function LoadFailed({ what, error, retry }: { what: string; error: Error; retry: () => unknown }) {
  return (
    <Alert color="red" role="alert" title={`${what} could not be loaded`}>
      {error.message}{' '}
      <Button variant="subtle" size="compact-sm" onClick={() => void retry()}>
        Try again
      </Button>
    </Alert>
  );
}
