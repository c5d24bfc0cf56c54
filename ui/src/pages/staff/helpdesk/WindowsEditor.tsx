import { ActionIcon, Button, Group, Stack, Text } from '@mantine/core';
import { DatePickerInput, TimeInput } from '@mantine/dates';
import dayjs from 'dayjs';
import { newWindow, toInstants, WindowInput } from '../../customer/windows';

/** The windows a visit has, as the editor holds them (in the browser's own time zone). */
export function windowInputs(windows: readonly { start: string; end: string }[]): WindowInput[] {
  if (windows.length === 0) return [newWindow()];
  return windows.map((w) => newWindow(dayjs(w.start).format('YYYY-MM-DD'), dayjs(w.start).format('HH:mm'), dayjs(w.end).format('HH:mm')));
}

/** The windows as the API takes them, or the problem of each window that is not usable (by key). */
export function checkWindows(windows: readonly WindowInput[], durationMinutes: number): { windows: { start: string; end: string }[]; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const good: { start: string; end: string }[] = [];
  for (const w of windows) {
    const checked = toInstants(w, durationMinutes);
    if (typeof checked === 'string') problems[w.key] = checked;
    else good.push(checked);
  }
  return { windows: good, problems };
}

/** The customer's windows: a day and two times each, as many as the customer offers. */
export function WindowsEditor({ windows, onChange, problems, durationMinutes }: { windows: WindowInput[]; onChange: (next: WindowInput[]) => void; problems: Record<string, string>; durationMinutes: number }) {
  const change = (key: string, patch: Partial<WindowInput>) => onChange(windows.map((x) => (x.key === key ? { ...x, ...patch } : x)));
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        When the customer is home; the visit takes {durationMinutes} minutes and must fit inside one window.
      </Text>
      {windows.map((w, i) => (
        <Group key={w.key} align="flex-start" wrap="nowrap" data-testid="window">
          <DatePickerInput
            aria-label={`Day of window ${i + 1}`}
            placeholder="Day"
            value={w.day}
            onChange={(day) => change(w.key, { day: day ? dayjs(day).format('YYYY-MM-DD') : null })}
            error={problems[w.key]}
            w={170}
          />
          <TimeInput aria-label={`From, window ${i + 1}`} value={w.from} onChange={(e) => change(w.key, { from: e.currentTarget.value })} />
          <TimeInput aria-label={`Until, window ${i + 1}`} value={w.to} onChange={(e) => change(w.key, { to: e.currentTarget.value })} />
          <ActionIcon variant="subtle" color="gray" mt={6} aria-label={`Remove window ${i + 1}`} disabled={windows.length === 1} onClick={() => onChange(windows.filter((x) => x.key !== w.key))}>
            ✕
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button variant="light" size="xs" onClick={() => onChange([...windows, newWindow(windows[windows.length - 1]?.day ?? null)])}>
          Add another window
        </Button>
      </Group>
    </Stack>
  );
}
