import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';
import { createTheme, CSSVariablesResolver, MantineProvider, Notification } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError } from './api/client';
import { AppUpdate } from './offline/AppUpdate';

// Text on the primary colour, links, dimmed text and notifications' text at WCAG AA contrast
// (4.5:1): Mantine's defaults (indigo 6, gray 6) are about 4.4 and 3.3 against white, which axe
// reports as serious.
const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'md',
  components: { Notification: Notification.extend({ styles: { description: { color: 'var(--mantine-color-dimmed)' } } }) },
});
const contrast: CSSVariablesResolver = () => ({ variables: {}, light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' }, dark: {} });

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // The caller's mistakes (4xx) are not retried; the server being busy or away is, a few times.
      retry: (failures, error) => !(error instanceof ApiError && error.problem.status < 500) && failures < 3,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrast} defaultColorScheme="light">
      <Notifications position="top-right" />
      <AppUpdate />
      <QueryClientProvider client={queries}>
        <App queries={queries} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
