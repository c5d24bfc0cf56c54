import { ActionIcon, Button, Card, Group, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import { when } from '../../format';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { Expert, expertKey, useActionKey } from './experts';

/** A local date and time from a datetime-local field, as an instant; empty stays empty so the API names it. */
function instant(local: string): string {
  return local ? new Date(local).toISOString() : '';
}

/** The expert's time off (never over a booking: the API says which), added and removed. */
export function TimeOff({ expert }: { expert: Expert }) {
  const queries = useQueryClient();
  const [key, renewKey] = useActionKey();
  const [range, setRange] = useState({ start: '', end: '' });
  const [reason, setReason] = useState('');
  const refresh = () => void queries.invalidateQueries({ queryKey: expertKey(expert.expertId) });
  const add = useMutation({
    mutationFn: async () =>
      must(await api.POST('/experts/{expertId}/time-off', { params: { path: { expertId: expert.expertId }, header: { 'Idempotency-Key': key } }, body: { range: { start: instant(range.start), end: instant(range.end) }, reason } })),
    onSuccess: () => {
      renewKey();
      setRange({ start: '', end: '' });
      setReason('');
      refresh();
      notifications.show({ color: 'green', title: 'Time off recorded', message: `${expert.name} is offered no visit then.` });
    },
  });
  const remove = useMutation({
    mutationFn: async (timeOffId: string) => must(await api.DELETE('/experts/{expertId}/time-off/{timeOffId}', { params: { path: { expertId: expert.expertId, timeOffId } } })),
    onSuccess: refresh,
  });
  return (
    <Card withBorder component="section" aria-labelledby="time-off-title">
      <Stack gap="xs">
        <Title order={3} size="h5" id="time-off-title">
          Time off
        </Title>
        {expert.timeOff.length === 0 ? (
          <Text c="dimmed">None planned.</Text>
        ) : (
          <Table withTableBorder data-testid="time-off">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>From</Table.Th>
                <Table.Th>Until</Table.Th>
                <Table.Th>Reason</Table.Th>
                <Table.Th>Action</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {expert.timeOff.map((t) => (
                <Table.Tr key={t.timeOffId}>
                  <Table.Td>{when(t.range.start)}</Table.Td>
                  <Table.Td>{when(t.range.end)}</Table.Td>
                  <Table.Td>{t.reason}</Table.Td>
                  <Table.Td>
                    <Tooltip label="Remove this time off">
                      <ActionIcon variant="subtle" color="red" aria-label={`Remove the time off from ${when(t.range.start)}`} onClick={() => remove.mutate(t.timeOffId)} loading={remove.isPending && remove.variables === t.timeOffId}>
                        ×
                      </ActionIcon>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <ProblemAlert error={remove.error} />
        <form
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
          noValidate
        >
          <Group align="flex-end">
            <TextInput type="datetime-local" label="Off from" value={range.start} onChange={(e) => setRange({ ...range, start: e.currentTarget.value })} />
            <TextInput type="datetime-local" label="Back at" value={range.end} onChange={(e) => setRange({ ...range, end: e.currentTarget.value })} />
            <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} placeholder="e.g. vacation" />
            <Button type="submit" loading={add.isPending}>
              Add time off
            </Button>
          </Group>
          <ProblemAlert error={add.error} />
        </form>
      </Stack>
    </Card>
  );
}
