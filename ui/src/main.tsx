import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';
import { createTheme, CSSVariablesResolver, darken, MantineProvider, Modal, Notification } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError } from './api/client';
import { AppUpdate } from './offline/AppUpdate';

// Readable by everyone (WCAG AA, 4.5:1; the browser tests check it with axe). Mantine's defaults
// fall short in places: white text on shade-6 fills (4.3:1 for indigo), gray-6 dimmed text (3.3:1),
// red-6 field errors (3.3:1), shade-9 text on shade-1 tints (yellow 2.7:1, teal 4.3:1). So: fills
// at shade 8 with black or white text, whichever contrasts (the two meet 4.5:1 either side of a
// luminance of 0.18); dimmed text gray 7; errors red 9; the text on light tints (alert titles,
// light badges, the active navigation item) a third darker than shade 9. Close buttons are named.
const theme = createTheme({
  // Users who ask their system for less motion get dialogs and menus without transitions.
  respectReducedMotion: true,
  primaryColor: 'indigo',
  primaryShade: 8,
  autoContrast: true,
  luminanceThreshold: 0.18,
  defaultRadius: 'md',
  components: {
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close the dialog' } } }),
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Close the message' } },
      styles: { description: { color: 'var(--mantine-color-dimmed)' } },
    }),
  },
});
const readable: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7],
    '--mantine-color-error': t.colors.red[9],
    ...Object.fromEntries(Object.entries(t.colors).map(([name, shades]) => [`--mantine-color-${name}-light-color`, darken(shades[9], 0.35)])),
  },
  dark: {},
});

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
    <MantineProvider theme={theme} cssVariablesResolver={readable} defaultColorScheme="light">
      <Notifications position="top-right" />
      <AppUpdate />
      <QueryClientProvider client={queries}>
        <App queries={queries} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
