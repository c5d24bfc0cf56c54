import { Button, Card, Group, NumberInput, PasswordInput, Stack, TagsInput, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, must } from '../../../api/client';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { Availability, EXPERTS, Onboarding, ServiceArea, useActionKey, useKnownSkills } from './experts';
import { Place, placeOf, ServiceAreaFields } from './ServiceAreaFields';
import { OFFICE_HOURS, WeekEditor } from './WeekEditor';

/** Onboarding: the expert's profile, where and when they work, their skills and their login. */
export function NewExpert() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const skills = useKnownSkills();
  const [key, renewKey] = useActionKey();
  const [profile, setProfile] = useState({ name: '', email: '', phone: '', locale: navigator.language || 'en-US', password: '' });
  const [fee, setFee] = useState<number | string>(75);
  const [chosen, setChosen] = useState<string[]>([]);
  const [home, setHome] = useState<Place>({ lat: '', lon: '' });
  const [area, setArea] = useState<ServiceArea>({ kind: 'radius', radiusKm: 25 });
  const [week, setWeek] = useState<Availability>(OFFICE_HOURS);
  const onboard = useMutation({
    mutationFn: async (body: Onboarding) => must(await api.POST('/experts', { params: { header: { 'Idempotency-Key': key } }, body })),
    onSuccess: (created) => {
      renewKey();
      void queries.invalidateQueries({ queryKey: EXPERTS });
      notifications.show({ color: 'green', title: 'Expert onboarded', message: `${profile.name} can log in as ${created.email}.` });
      navigate(`/staff/admin/experts/${encodeURIComponent(created.expertId)}`);
    },
  });
  const field = (name: keyof typeof profile) => ({ value: profile[name], onChange: (e: React.ChangeEvent<HTMLInputElement>) => setProfile({ ...profile, [name]: e.currentTarget.value }) });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    onboard.mutate({ ...profile, feePerVisitCents: Math.round(Number(fee) * 100), skills: chosen, homeLocation: placeOf(home), serviceArea: area, availability: week });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={1000}>
        <Title order={2} size="h3">
          Onboard an expert
        </Title>
        <Card withBorder component="fieldset">
          <Title order={3} size="h5" component="legend">
            Profile and login
          </Title>
          <Group grow align="flex-start">
            <TextInput label="Name" required {...field('name')} />
            <TextInput label="E-mail" description="Their login, and where messages go" type="email" required {...field('email')} />
          </Group>
          <Group grow align="flex-start" mt="xs">
            <TextInput label="Phone" description="e.g. +1 555 0100" required {...field('phone')} />
            <TextInput label="Locale" description="e.g. en-US" {...field('locale')} />
            <NumberInput label="Fee per visit (USD)" value={fee} onChange={setFee} min={1} decimalScale={2} />
          </Group>
          <PasswordInput label="First password" description="At least 10 characters; they can change it" required mt="xs" maw={400} {...field('password')} />
        </Card>
        <Card withBorder component="fieldset">
          <Title order={3} size="h5" component="legend">
            Skills
          </Title>
          <TagsInput label="Skills" description="Pick from those tickets ask for, or type a new one and press Enter" data={skills} value={chosen} onChange={setChosen} clearable />
        </Card>
        <Card withBorder component="fieldset">
          <Title order={3} size="h5" component="legend">
            Where they work
          </Title>
          <ServiceAreaFields home={home} onHome={setHome} area={area} onArea={setArea} />
        </Card>
        <Card withBorder component="fieldset">
          <Title order={3} size="h5" component="legend">
            Weekly availability
          </Title>
          <WeekEditor value={week} onChange={setWeek} />
        </Card>
        <ProblemAlert error={onboard.error} title="The expert could not be onboarded" />
        <Group>
          <Button type="submit" loading={onboard.isPending}>
            Onboard
          </Button>
          <Button variant="default" onClick={() => navigate('/staff/admin')}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
