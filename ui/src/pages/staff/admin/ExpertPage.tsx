import { Anchor, Badge, Button, Card, Checkbox, Group, Loader, Modal, NumberInput, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ReactNode, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, must } from '../../../api/client';
import { when } from '../../format';
import { LoadFailed } from '../../LoadFailed';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { Availability, Expert, EXPERTS, expertKey, money, ServiceArea, useActionKey, useExpert, useKnownSkills } from './experts';
import { Place, placeOf, ServiceAreaFields } from './ServiceAreaFields';
import { TimeOff } from './TimeOff';
import { WeekEditor } from './WeekEditor';

/** One expert: profile, skills, service area, weekly hours, time off, bookings; deactivate or reactivate. */
export function ExpertPage() {
  const { expertId = '' } = useParams();
  const expert = useExpert(expertId);
  if (expert.isPending) return <Loader aria-label="Loading the expert" />;
  if (expert.error) return <LoadFailed what="The expert" error={expert.error} retry={() => expert.refetch()} />;
  const e = expert.data;
  return (
    <Stack maw={1000}>
      <Anchor component={Link} to="/staff/admin" size="sm">
        ← All experts
      </Anchor>
      <Group justify="space-between">
        <Group>
          <Title order={2} size="h3">
            {e.name}
          </Title>
          <Badge color={e.active ? 'green' : 'gray'} variant="light">
            {e.active ? 'active' : 'deactivated'}
          </Badge>
        </Group>
        <Activation expert={e} />
      </Group>
      {!e.active && e.deactivationReason && <Text>Deactivated: {e.deactivationReason}</Text>}
      <Text size="sm" c="dimmed">
        Onboarded {when(e.onboardedAt)} · rating {e.rating === null ? 'none yet' : `${e.rating.toFixed(1)} of 5 (${e.ratings.length})`}
      </Text>
      <ProfileForm expert={e} />
      <SkillsForm expert={e} />
      <AreaForm expert={e} />
      <AvailabilityForm expert={e} />
      <TimeOff expert={e} />
      <Bookings expert={e} />
    </Stack>
  );
}

/** A PUT/POST of an expert's: an Idempotency-Key per action, the expert reloaded after it, a message once done. */
function useExpertCommand<T>(expertId: string, send: (key: string, input: T) => Promise<unknown>, done: string) {
  const queries = useQueryClient();
  const [key, renewKey] = useActionKey();
  return useMutation({
    mutationFn: (input: T) => send(key, input),
    onSuccess: () => {
      renewKey();
      void queries.invalidateQueries({ queryKey: expertKey(expertId) });
      void queries.invalidateQueries({ queryKey: EXPERTS });
      notifications.show({ color: 'green', title: done, message: 'Saved.' });
    },
  });
}

function Section({ title, children, onSubmit, saving, error }: { title: string; children: ReactNode; onSubmit: () => void; saving: boolean; error: Error | null }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <Card withBorder component="section" aria-labelledby={id}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
        noValidate
      >
        <Stack gap="xs">
          <Title order={3} size="h5" id={id}>
            {title}
          </Title>
          {children}
          <ProblemAlert error={error} />
          <Group>
            <Button type="submit" loading={saving}>
              Save {title.toLowerCase()}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function ProfileForm({ expert }: { expert: Expert }) {
  const [form, setForm] = useState({ name: expert.name, email: expert.email, phone: expert.phone, locale: expert.locale });
  const [fee, setFee] = useState<number | string>(expert.feePerVisitCents / 100);
  const save = useExpertCommand(
    expert.expertId,
    async (key, body: typeof form & { feePerVisitCents: number }) => must(await api.PUT('/experts/{expertId}/profile', { params: { path: { expertId: expert.expertId }, header: { 'Idempotency-Key': key } }, body })),
    'Profile saved',
  );
  const field = (name: keyof typeof form) => ({ value: form[name], onChange: (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [name]: e.currentTarget.value }) });
  return (
    <Section title="Profile" onSubmit={() => save.mutate({ ...form, feePerVisitCents: Math.round(Number(fee) * 100) })} saving={save.isPending} error={save.error}>
      <Group grow align="flex-start">
        <TextInput label="Name" {...field('name')} />
        <TextInput label="Contact e-mail" description="Where messages go (the login stays as it is)" {...field('email')} />
      </Group>
      <Group grow align="flex-start">
        <TextInput label="Phone" {...field('phone')} />
        <TextInput label="Locale" description="e.g. en-US, es-MX" {...field('locale')} />
        <NumberInput label="Fee per visit (USD)" description={`now ${money(expert.feePerVisitCents)}`} value={fee} onChange={setFee} min={1} decimalScale={2} />
      </Group>
    </Section>
  );
}

function SkillsForm({ expert }: { expert: Expert }) {
  const known = useKnownSkills();
  const [skills, setSkills] = useState(expert.skills);
  const save = useExpertCommand(
    expert.expertId,
    async (key, body: { skills: string[] }) => must(await api.PUT('/experts/{expertId}/skills', { params: { path: { expertId: expert.expertId }, header: { 'Idempotency-Key': key } }, body })),
    'Skills saved',
  );
  return (
    <Section title="Skills" onSubmit={() => save.mutate({ skills })} saving={save.isPending} error={save.error}>
      <TagsInput label="Skills" description="Visits asking for these skills are offered to the expert" data={known} value={skills} onChange={setSkills} clearable />
    </Section>
  );
}

function AreaForm({ expert }: { expert: Expert }) {
  const [home, setHome] = useState<Place>(expert.home);
  const [area, setArea] = useState<ServiceArea>(expert.serviceArea);
  const save = useExpertCommand(
    expert.expertId,
    async (key, body: { homeLocation: { lat: number; lon: number }; serviceArea: ServiceArea }) =>
      must(await api.PUT('/experts/{expertId}/service-area', { params: { path: { expertId: expert.expertId }, header: { 'Idempotency-Key': key } }, body })),
    'Service area saved',
  );
  return (
    <Section title="Service area" onSubmit={() => save.mutate({ homeLocation: placeOf(home), serviceArea: area })} saving={save.isPending} error={save.error}>
      <ServiceAreaFields home={home} onHome={setHome} area={area} onArea={setArea} />
    </Section>
  );
}

function AvailabilityForm({ expert }: { expert: Expert }) {
  const [week, setWeek] = useState<Availability>(expert.availability);
  const save = useExpertCommand(
    expert.expertId,
    async (key, body: { availability: Availability }) => must(await api.PUT('/experts/{expertId}/availability', { params: { path: { expertId: expert.expertId }, header: { 'Idempotency-Key': key } }, body })),
    'Weekly hours saved',
  );
  return (
    <Section title="Weekly hours" onSubmit={() => save.mutate({ availability: week })} saving={save.isPending} error={save.error}>
      <Text size="sm" c="dimmed">
        Advisory: the expert is offered visits in these hours; a booking outside them is still allowed.
      </Text>
      <WeekEditor value={week} onChange={setWeek} />
    </Section>
  );
}

function Bookings({ expert }: { expert: Expert }) {
  return (
    <Card withBorder component="section" aria-labelledby="bookings-title">
      <Title order={3} size="h5" id="bookings-title">
        Booked visits
      </Title>
      {expert.bookings.length === 0 ? (
        <Text c="dimmed">No visit booked.</Text>
      ) : (
        <Stack gap={2} mt="xs">
          {expert.bookings.map((b) => (
            <Text key={b.visitId} size="sm">
              {when(b.range.start)} – {when(b.range.end)} · visit {b.visitId}
            </Text>
          ))}
        </Stack>
      )}
    </Card>
  );
}

/** Deactivate (with the reason; forced: their future bookings are released for others) or reactivate. */
function Activation({ expert }: { expert: Expert }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [force, setForce] = useState(false);
  const deactivate = useExpertCommand(
    expert.expertId,
    async (key, body: { reason: string; force: boolean }) => must(await api.POST('/experts/{expertId}/deactivate', { params: { path: { expertId: expert.expertId }, header: { 'Idempotency-Key': key } }, body })),
    'Expert deactivated',
  );
  const reactivate = useExpertCommand(
    expert.expertId,
    async (key, _: void) => must(await api.POST('/experts/{expertId}/reactivate', { params: { path: { expertId: expert.expertId }, header: { 'Idempotency-Key': key } } })),
    'Expert reactivated',
  );
  if (!expert.active) {
    return (
      <Stack gap={4} align="flex-end">
        <Button variant="light" onClick={() => reactivate.mutate()} loading={reactivate.isPending}>
          Reactivate
        </Button>
        <ProblemAlert error={reactivate.error} />
      </Stack>
    );
  }
  return (
    <>
      <Button variant="light" color="red" onClick={() => setOpen(true)}>
        Deactivate
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Deactivate ${expert.name}`}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            deactivate.mutate({ reason, force }, { onSuccess: () => setOpen(false) });
          }}
        >
          <Stack>
            <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} required data-autofocus />
            <Checkbox label={`Release their ${expert.bookings.length} booked visit(s) for other experts`} description="Without it, an expert with future bookings cannot be deactivated" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
            <ProblemAlert error={deactivate.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" color="red" loading={deactivate.isPending}>
                Deactivate
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
