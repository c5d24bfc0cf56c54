import { Alert, Button } from '@mantine/core';
import { Component, ReactNode } from 'react';

interface Props {
  /** What failed, in the expert's words ("The map", "This page"). */
  what: string;
  children: ReactNode;
  /** A change of this value tries again (e.g. the connection coming back). */
  resetKey?: unknown;
}

/**
 * A part of the page that fails to render (a script that could not be loaded offline, a bug)
 * says so in its place, with a way to try again, instead of taking the whole app down.
 */
export class ErrorBoundary extends Component<Props, { error: Error | null; key: unknown }> {
  override state = { error: null as Error | null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: { error: Error | null; key: unknown }) {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <Alert color="gray" title={`${this.props.what} could not be shown`} role="alert">
        {/\b(fetch|import|chunk|module)\b/i.test(error.message) ? 'It needs a connection the first time: it shows once you are back online.' : error.message}
        <div>
          <Button mt="xs" size="compact-sm" variant="default" onClick={() => this.setState({ error: null })}>
            Try again
          </Button>
        </div>
      </Alert>
    );
  }
}
