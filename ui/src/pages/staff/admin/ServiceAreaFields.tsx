import { Group, NumberInput, SegmentedControl, Stack, TagsInput, Text } from '@mantine/core';
import type { ServiceArea } from './experts';

export interface Place {
  lat: number | string;
  lon: number | string;
}

/** Home location and where the expert works: a radius around home, or named areas (postal codes, districts). */
export function ServiceAreaFields({ home, onHome, area, onArea }: { home: Place; onHome: (home: Place) => void; area: ServiceArea; onArea: (area: ServiceArea) => void }) {
  return (
    <Stack gap="xs">
      <Group>
        <NumberInput label="Home latitude" value={home.lat} onChange={(lat) => onHome({ ...home, lat })} decimalScale={5} min={-90} max={90} w={160} />
        <NumberInput label="Home longitude" value={home.lon} onChange={(lon) => onHome({ ...home, lon })} decimalScale={5} min={-180} max={180} w={160} />
      </Group>
      <div>
        <Text size="sm" fw={500} id="area-kind-label">
          Works
        </Text>
        <SegmentedControl
          aria-labelledby="area-kind-label"
          value={area.kind}
          onChange={(kind) => onArea(kind === 'radius' ? { kind: 'radius', radiusKm: 25 } : { kind: 'areas', areas: [] })}
          data={[
            { value: 'radius', label: 'Within a radius of home' },
            { value: 'areas', label: 'In named areas' },
          ]}
        />
      </div>
      {area.kind === 'radius' ? (
        <NumberInput label="Radius (km)" value={area.radiusKm} onChange={(v) => onArea({ kind: 'radius', radiusKm: Number(v) })} min={1} max={500} w={160} />
      ) : (
        <TagsInput label="Areas" description="Postal codes or districts; Enter after each" value={area.areas} onChange={(areas) => onArea({ kind: 'areas', areas })} maw={500} />
      )}
    </Stack>
  );
}

/** The location to send; an empty field stays missing, so the API names it rather than taking 0. */
export function placeOf(home: Place): { lat: number; lon: number } {
  const number = (v: number | string) => (v === '' ? undefined : Number(v));
  return { lat: number(home.lat), lon: number(home.lon) } as { lat: number; lon: number };
}
