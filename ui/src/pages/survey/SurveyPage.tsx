import { Alert, Anchor, Button, Center, Group, Loader, Paper, Rating, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import { session } from '../../auth/session';
import { when } from '../format';

type Survey = Answer<'/survey/{token}', 'get'>;

const WORDS = ['', 'Not at all satisfied', 'Not satisfied', 'Neither', 'Satisfied', 'Very satisfied'];
const ratingLabel = (n: number) => `${n} of 5: ${WORDS[n]}`;

/**
 * The survey e-mailed when a ticket is completed: public (the single-use link is the credential),
 * a rating from 1 to 5 and comments. A link already used, expired or unknown says so in words.
 */
export function SurveyPage() {
  const { token = '' } = useParams();
  const survey = useQuery({
    queryKey: ['survey', token],
    queryFn: async () => must(await api.GET('/survey/{token}', { params: { path: { token } } })),
    staleTime: Infinity,
  });

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper withBorder shadow="sm" p="xl" w={560} maw="100%" component="main">
        <Stack>
          <Text fw={700} c="indigo.8">
            Sysops Squad
          </Text>
          {survey.isPending && <Loader aria-label="Loading the survey" />}
          {survey.error && <Refusal error={survey.error} onRetry={() => void survey.refetch()} />}
          {survey.data && (survey.data.answered ? <Refusal error={new ApiError({ type: 'about:blank', title: 'Survey already answered', status: 409 })} /> : <SurveyForm token={token} survey={survey.data} />)}
        </Stack>
      </Paper>
    </Center>
  );
}

function SurveyForm({ token, survey }: { token: string; survey: Survey }) {
  const [rating, setRating] = useState(0);
  const [comments, setComments] = useState('');
  const [shown, setShown] = useState(false);
  const ratingId = useId();
  const answer = useMutation({
    mutationFn: async () => must(await api.POST('/survey/{token}', { params: { path: { token } }, body: { rating, comments: comments.trim() } })),
  });

  if (answer.data) {
    return (
      <Stack>
        <Title order={1} size="h2">
          {answer.data.thanks}
        </Title>
        <Text>
          You rated the repair {ratingLabel(answer.data.rating).toLowerCase()}. Your answer helps us send the right expert next time.
        </Text>
        <HomeLink />
      </Stack>
    );
  }
  // Used or expired between loading the page and sending: the page says so instead of the form.
  const status = answer.error instanceof ApiError ? answer.error.problem.status : undefined;
  if (answer.error && (status === 404 || status === 409 || status === 410)) return <Refusal error={answer.error} />;

  const ratingError = shown && rating === 0 ? 'Pick a rating from 1 to 5 stars' : undefined;
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setShown(true);
    if (rating === 0) return;
    answer.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Title order={1} size="h2">
          How did we do?
        </Title>
        <Stack gap={4}>
          <Text>
            Your ticket about <b>{survey.appliance.text ?? survey.appliance.modelId}</b> is done{survey.completedAt ? ` (${when(survey.completedAt)})` : ''}.
          </Text>
          <Text size="sm" c="dimmed">
            You reported: {survey.problem}
          </Text>
          {survey.resolution && (
            <Text size="sm" c="dimmed">
              What we did: {survey.resolution}
            </Text>
          )}
        </Stack>
        <Stack gap={4}>
          <Text component="span" fw={500} size="sm" id={`${ratingId}-label`}>
            {survey.questions.rating}
          </Text>
          <Group gap="sm">
            <Rating
              size="xl"
              value={rating}
              onChange={setRating}
              name={ratingId}
              getSymbolLabel={ratingLabel}
              role="radiogroup"
              aria-labelledby={`${ratingId}-label`}
              aria-describedby={ratingError ? `${ratingId}-error` : undefined}
              aria-invalid={ratingError ? true : undefined}
              data-testid="rating"
            />
            <Text size="sm" aria-live="polite">
              {rating > 0 ? WORDS[rating] : ''}
            </Text>
          </Group>
          {ratingError && (
            <Text size="sm" c="red.8" id={`${ratingId}-error`}>
              {ratingError}
            </Text>
          )}
        </Stack>
        <Textarea label={survey.questions.comments} description="Optional" autosize minRows={3} maxLength={4000} value={comments} onChange={(e) => setComments(e.currentTarget.value)} />
        {answer.error && (
          <Alert color="red" role="alert" title="Your answer was not sent">
            {answer.error.message} {status === undefined || status >= 500 ? 'Please try again in a moment.' : ''}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={answer.isPending}>
            Send my answer
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Why the survey cannot be answered (used, expired, unknown) or could not be loaded. */
function Refusal({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const status = error instanceof ApiError ? error.problem.status : undefined;
  const [title, text] =
    status === 409
      ? ['This survey was already answered', 'Each survey link works once, and this one has been used. Thank you for your feedback!']
      : status === 410
        ? ['This survey link has expired', `${capitalized(error.message)}. Survey links work for a limited time after the repair.`]
        : status === 404 || status === 400
          ? ['This survey link is not valid', 'Check that the whole link from the e-mail was opened: it may have been cut in two.']
          : ['The survey could not be loaded', `${error.message}. Please try again in a moment.`];
  return (
    <Stack data-testid="survey-refusal">
      <Title order={1} size="h2">
        {title}
      </Title>
      <Alert color={status === 409 ? 'teal' : status === undefined || status >= 500 ? 'red' : 'yellow'} role="status">
        {text}
      </Alert>
      {onRetry && (status === undefined || status >= 500) && (
        <Group>
          <Button variant="light" onClick={onRetry}>
            Try again
          </Button>
        </Group>
      )}
      <HomeLink />
    </Stack>
  );
}

function HomeLink() {
  const signedIn = session.user !== null;
  return (
    <Anchor component={Link} to={signedIn ? '/' : '/login'} size="sm">
      {signedIn ? 'Back to the app' : 'Log in to follow your tickets'}
    </Anchor>
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).replace(/\.$/, '');
}
