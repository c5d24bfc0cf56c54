import { Button, Group, Stack, Title } from '@mantine/core';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { SignedIn } from '../../../auth/session';
import { Catalog } from './Catalog';
import { ExpertList } from './ExpertList';
import { ExpertPage } from './ExpertPage';
import { NewExpert } from './NewExpert';
import { Plans } from './Plans';
import { Users } from './Users';

const SECTIONS = [
  { to: '/staff/admin', label: 'Experts', current: (path: string) => path === '/staff/admin' || path.startsWith('/staff/admin/experts') },
  { to: '/staff/admin/users', label: 'Users and roles', current: (path: string) => path.startsWith('/staff/admin/users') },
  { to: '/staff/admin/catalog', label: 'Appliance catalog', current: (path: string) => path.startsWith('/staff/admin/catalog') },
  { to: '/staff/admin/plans', label: 'Support plans', current: (path: string) => path.startsWith('/staff/admin/plans') },
];

/** Experts, users and roles, the appliance catalog, support plan types. */
export function AdminConsole({ user }: { user: SignedIn }) {
  const { pathname } = useLocation();
  return (
    <Stack>
      <Title order={1} size="h2">
        Administration
      </Title>
      <Group gap="xs" component="nav" aria-label="Administration">
        {SECTIONS.map((s) => {
          const current = s.current(pathname.replace(/\/$/, ''));
          return (
            <Button key={s.to} component={Link} to={s.to} variant={current ? 'filled' : 'default'} size="sm" aria-current={current ? 'page' : undefined}>
              {s.label}
            </Button>
          );
        })}
      </Group>
      <Routes>
        <Route index element={<ExpertList />} />
        <Route path="experts/new" element={<NewExpert />} />
        <Route path="experts/:expertId" element={<ExpertPage />} />
        <Route path="users" element={<Users user={user} />} />
        <Route path="catalog" element={<Catalog />} />
        <Route path="plans" element={<Plans />} />
        <Route path="*" element={<Navigate to="/staff/admin" replace />} />
      </Routes>
    </Stack>
  );
}
