import { Button, Card, Group, ScrollArea, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { ReactNode, useId, useState } from 'react';
import { Column, downloadCsv, toCsv } from './csv';

/**
 * One figure of the dashboards: a chart, the same figures as a table (for those who read rather
 * than look, and for screen readers), and a CSV download of that table.
 */
export function ChartPanel<Row>({
  title,
  description,
  chart,
  columns,
  rows,
  fileName,
  empty,
}: {
  title: string;
  description?: ReactNode;
  chart: ReactNode;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  /** Without `.csv`. */
  fileName: string;
  /** Said instead of an empty chart. */
  empty?: string;
}) {
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const headingId = useId();
  return (
    <Card withBorder component="section" aria-labelledby={headingId} data-testid="chart-panel">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Title order={3} size="h5" id={headingId}>
            {title}
          </Title>
          <Group gap="xs">
            <SegmentedControl
              size="xs"
              aria-label={`Show ${title} as`}
              value={view}
              onChange={(v) => setView(v as 'chart' | 'table')}
              data={[
                { value: 'chart', label: 'Chart' },
                { value: 'table', label: 'Table' },
              ]}
            />
            <Button size="compact-sm" variant="light" onClick={() => downloadCsv(`${fileName}.csv`, toCsv(columns, rows))} aria-label={`Download ${title} as CSV`}>
              CSV
            </Button>
          </Group>
        </Group>
        {description && (
          <Text size="sm" c="dimmed">
            {description}
          </Text>
        )}
        {rows.length === 0 && empty ? (
          <Text size="sm">{empty}</Text>
        ) : view === 'chart' ? (
          <div role="img" aria-label={`${title}: chart (the same figures are in the table view)`}>
            {chart}
          </div>
        ) : (
          // Focusable: when the table overflows, keyboard users scroll it too.
          <ScrollArea.Autosize mah={360} type="auto" viewportProps={{ tabIndex: 0 }}>
            <Table striped withTableBorder stickyHeader aria-labelledby={headingId}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((c) => (
                    <Table.Th key={c.header}>{c.header}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row, i) => (
                  <Table.Tr key={i}>
                    {columns.map((c) => (
                      <Table.Td key={c.header}>{c.show ? c.show(row) : (c.value(row) ?? '—')}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
      </Stack>
    </Card>
  );
}
