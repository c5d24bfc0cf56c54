import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';
import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError } from './api/client';

const theme = createTheme({ primaryColor: 'indigo', defaultRadius: 'md' });

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
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queries}>
        <App queries={queries} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
