import { Badge, Button, Card, Group, Loader, Modal, Pagination, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import type { Answer, Body } from '../../../api/answers';
import { SignedIn } from '../../../auth/session';
import { when } from '../../format';
import { LoadFailed } from '../../LoadFailed';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { useActionKey } from './experts';

type User = Answer<'/users', 'get'>['users'][number];
type StaffRole = Body<'/users', 'post'>['role'];
const USERS = ['admin', 'users'] as const;
const PAGE = 25;
const ROLES = ['customer', 'expert', 'helpdesk', 'manager', 'admin'] as const;
const STAFF_ROLES: { value: StaffRole; label: string }[] = [
  { value: 'helpdesk', label: 'Helpdesk' },
  { value: 'manager', label: 'Manager' },
  { value: 'admin', label: 'Admin' },
];

/** Login accounts: find by e-mail and role, create staff accounts, change a staff member's role, disable and enable. */
export function Users({ user: me }: { user: SignedIn }) {
  const [q, setQ] = useState('');
  const [role, setRole] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [disabling, setDisabling] = useState<User | null>(null);
  const list = useQuery({
    queryKey: [...USERS, { q, role, page }],
    queryFn: async () => must(await api.GET('/users', { params: { query: { limit: PAGE, skip: (page - 1) * PAGE, ...(q.trim() ? { q: q.trim() } : {}), ...(role ? { role: role as (typeof ROLES)[number] } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <Stack>
      <Title order={2} size="h3">
        Users and roles
      </Title>
      <NewStaffAccount />
      <Group align="flex-end">
        <TextInput label="E-mail contains" value={q} onChange={(e) => (setQ(e.currentTarget.value), setPage(1))} w={260} />
        <Select label="Role" placeholder="Any role" data={[...ROLES]} value={role} onChange={(v) => (setRole(v), setPage(1))} clearable w={180} />
      </Group>
      {list.isPending && <Loader aria-label="Loading the users" />}
      {list.error && <LoadFailed what="The users" error={list.error} retry={() => list.refetch()} />}
      {list.data && (
        <>
          <Text size="sm" c="dimmed">
            {list.data.total} account(s)
          </Text>
          <Table.ScrollContainer minWidth={800}>
            <Table striped withTableBorder data-testid="users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>E-mail</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Registered</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.users.map((u) => (
                  <Table.Tr key={u.userId}>
                    <Table.Td>{u.email}</Table.Td>
                    <Table.Td>{STAFF_ROLES.some((r) => r.value === u.role) && u.userId !== me.userId ? <RoleSelect user={u} /> : <Badge variant="outline">{u.role}</Badge>}</Table.Td>
                    <Table.Td>{when(u.registeredAt)}</Table.Td>
                    <Table.Td>
                      <Badge color={u.disabled ? 'gray' : 'green'} variant="light">
                        {u.disabled ? 'disabled' : 'can log in'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{u.userId === me.userId ? <Text size="sm">you</Text> : u.disabled ? <Enable user={u} /> : <Button size="xs" variant="subtle" color="red" onClick={() => setDisabling(u)} aria-label={`Disable ${u.email}`}>Disable</Button>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {list.data.total > PAGE && <Pagination total={Math.ceil(list.data.total / PAGE)} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': `${control} page` })} getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />}
        </>
      )}
      <Disable user={disabling} onClose={() => setDisabling(null)} />
    </Stack>
  );
}

function useUserCommand<T>(send: (key: string, input: T) => Promise<unknown>, done: (input: T) => string) {
  const queries = useQueryClient();
  const [key, renewKey] = useActionKey();
  return useMutation({
    mutationFn: (input: T) => send(key, input),
    onSuccess: (_answer, input) => {
      renewKey();
      void queries.invalidateQueries({ queryKey: USERS });
      notifications.show({ color: 'green', title: done(input), message: 'Saved.' });
    },
  });
}

function NewStaffAccount() {
  const [form, setForm] = useState<{ email: string; role: StaffRole | null; password: string }>({ email: '', role: null, password: '' });
  const create = useUserCommand(
    async (key, body: Body<'/users', 'post'>) => must(await api.POST('/users', { params: { header: { 'Idempotency-Key': key } }, body })),
    (body) => `${body.email} can log in as ${body.role}`,
  );
  return (
    <Card withBorder component="section" aria-labelledby="new-staff-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ email: form.email, role: form.role as StaffRole, password: form.password }, { onSuccess: () => setForm({ email: '', role: null, password: '' }) });
        }}
        noValidate
      >
        <Stack gap="xs">
          <Title order={3} size="h5" id="new-staff-title">
            New staff account
          </Title>
          <Text size="sm" c="dimmed">
            Experts get their login when they are onboarded; customers register themselves.
          </Text>
          <Group align="flex-start">
            <TextInput label="E-mail" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} w={260} />
            <Select label="Role" placeholder="Pick a role" data={STAFF_ROLES} value={form.role} onChange={(v) => setForm({ ...form, role: v as StaffRole | null })} w={160} />
            <PasswordInput label="First password" description="At least 10 characters" value={form.password} onChange={(e) => setForm({ ...form, password: e.currentTarget.value })} w={240} />
          </Group>
          <ProblemAlert error={create.error} />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create account
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** A staff member's role, changed in place (to another staff role). */
function RoleSelect({ user }: { user: User }) {
  const change = useUserCommand(
    async (key, role: StaffRole) => must(await api.PUT('/users/{userId}/role', { params: { path: { userId: user.userId }, header: { 'Idempotency-Key': key } }, body: { role } })),
    (role) => `${user.email} is now ${role}`,
  );
  return (
    <Stack gap={2}>
      <Select aria-label={`Role of ${user.email}`} size="xs" data={STAFF_ROLES} value={user.role} onChange={(v) => v && v !== user.role && change.mutate(v as StaffRole)} allowDeselect={false} w={140} disabled={change.isPending} />
      <ProblemAlert error={change.error} />
    </Stack>
  );
}

function Enable({ user }: { user: User }) {
  const enable = useUserCommand(async (key, _: void) => must(await api.POST('/users/{userId}/enable', { params: { path: { userId: user.userId }, header: { 'Idempotency-Key': key } } })), () => `${user.email} can log in again`);
  return (
    <Stack gap={2}>
      <Button size="xs" variant="subtle" onClick={() => enable.mutate()} loading={enable.isPending} aria-label={`Enable ${user.email}`}>
        Enable
      </Button>
      <ProblemAlert error={enable.error} />
    </Stack>
  );
}

function Disable({ user, onClose }: { user: User | null; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const disable = useUserCommand(
    async (key, input: { userId: string; reason: string }) => must(await api.POST('/users/{userId}/disable', { params: { path: { userId: input.userId }, header: { 'Idempotency-Key': key } }, body: { reason: input.reason } })),
    () => `${user?.email ?? 'The account'} is disabled`,
  );
  const close = () => {
    disable.reset();
    setReason('');
    onClose();
  };
  return (
    <Modal opened={user !== null} onClose={close} title={`Disable ${user?.email ?? ''}`}>
      {user && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            disable.mutate({ userId: user.userId, reason }, { onSuccess: close });
          }}
        >
          <Stack>
            <Text size="sm">They can no longer log in; their open sessions end at the next refresh.</Text>
            <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus />
            <ProblemAlert error={disable.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" color="red" loading={disable.isPending}>
                Disable
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
