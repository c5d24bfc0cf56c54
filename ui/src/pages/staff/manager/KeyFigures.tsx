import { Card, SimpleGrid, Text } from '@mantine/core';

/** The dashboards' key figures: label and value pairs, as a description list. */
export function KeyFigures({ figures, label }: { figures: readonly (readonly [string, string])[]; label: string }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm" component="dl" aria-label={label} m={0}>
      {figures.map(([name, value]) => (
        <Card key={name} withBorder padding="sm" data-testid="key-figure">
          <Text component="dt" size="xs" c="dimmed">
            {name}
          </Text>
          <Text component="dd" fw={700} size="xl" m={0}>
            {value}
          </Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}
