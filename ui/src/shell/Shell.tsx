import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ReactNode } from 'react';
import { NavLink as RouterLink, useLocation } from 'react-router';
import { session, SignedIn } from '../auth/session';
import { navigationOf } from './navigation';

/** The frame every role's app shares: header with the user and log-out, the role's navigation. */
export function Shell({ user, children }: { user: SignedIn; children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Title order={4}>Sysops Squad</Title>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" c="dimmed" data-testid="signed-in-as" visibleFrom="sm">
              {user.email}
            </Text>
            <Badge variant="light">{user.role}</Badge>
            <Button variant="subtle" size="xs" onClick={() => void session.logOut()}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {navigationOf(user.role).map((item) => (
          <NavLink
            key={item.to}
            component={RouterLink}
            to={item.to}
            end={item.exact}
            label={item.label}
            active={item.exact ? location.pathname === item.to : location.pathname.startsWith(item.to)}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
