import { Anchor, Badge, Button, Group, Loader, Pagination, SegmentedControl, Select, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../../api/client';
import { LoadFailed } from '../../LoadFailed';
import { areaText, EXPERTS, useKnownSkills } from './experts';

const PAGE = 25;

/** Every expert, by name: skills, where they work, active or not; filter by skill and status. */
export function ExpertList() {
  const [skill, setSkill] = useState<string | null>(null);
  const [status, setStatus] = useState<'all' | 'true' | 'false'>('all');
  const [page, setPage] = useState(1);
  const skills = useKnownSkills();
  const list = useQuery({
    queryKey: [...EXPERTS, { skill, status, page }],
    queryFn: async () => must(await api.GET('/experts', { params: { query: { limit: PAGE, skip: (page - 1) * PAGE, ...(skill ? { skill } : {}), ...(status !== 'all' ? { active: status } : {}) } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h3">
          Experts
        </Title>
        <Button component={Link} to="/staff/admin/experts/new">
          Onboard an expert
        </Button>
      </Group>
      <Group align="flex-end">
        <Select label="Skill" placeholder="Any skill" data={skills} value={skill} onChange={(v) => (setSkill(v), setPage(1))} clearable searchable w={220} />
        <div>
          <Text size="sm" fw={500} id="expert-status-label">
            Status
          </Text>
          <SegmentedControl aria-labelledby="expert-status-label" value={status} onChange={(v) => (setStatus(v as typeof status), setPage(1))} data={[{ value: 'all', label: 'All' }, { value: 'true', label: 'Active' }, { value: 'false', label: 'Deactivated' }]} />
        </div>
      </Group>
      {list.isPending && <Loader aria-label="Loading the experts" />}
      {list.error && <LoadFailed what="The experts" error={list.error} retry={() => list.refetch()} />}
      {list.data && (
        <>
          <Text size="sm" c="dimmed">
            {list.data.total} expert(s)
          </Text>
          <Table.ScrollContainer minWidth={800}>
            <Table striped withTableBorder highlightOnHover data-testid="experts">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Skills</Table.Th>
                  <Table.Th>Service area</Table.Th>
                  <Table.Th>Locale</Table.Th>
                  <Table.Th ta="right">Rating</Table.Th>
                  <Table.Th ta="right">Booked visits</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.experts.map((e) => (
                  <Table.Tr key={e.expertId}>
                    <Table.Td>
                      <Anchor component={Link} to={`/staff/admin/experts/${encodeURIComponent(e.expertId)}`}>
                        {e.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {e.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {e.skills.map((s) => (
                          <Badge key={s} variant="light" size="sm">
                            {s}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>{areaText(e.serviceArea)}</Table.Td>
                    <Table.Td>{e.locale}</Table.Td>
                    <Table.Td ta="right">{e.rating === null ? '—' : e.rating.toFixed(1)}</Table.Td>
                    <Table.Td ta="right">{e.bookings.length}</Table.Td>
                    <Table.Td>
                      <Badge color={e.active ? 'green' : 'gray'} variant="light">
                        {e.active ? 'active' : 'deactivated'}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {list.data.total > PAGE && <Pagination total={Math.ceil(list.data.total / PAGE)} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': `${control} page` })} getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />}
        </>
      )}
    </Stack>
  );
}
