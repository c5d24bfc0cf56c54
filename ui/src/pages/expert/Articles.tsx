import { Alert, Anchor, Badge, Button, Card, Group, Loader, Select, Stack, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { QueryClient, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import { useCommand } from './command';
import { ProblemAlert } from './ProblemAlert';

type Visit = Answer<'/visits/{visitId}', 'get'>;
type Article = Answer<'/kb/articles/{articleId}', 'get'>;
type Suggested = Answer<'/tickets/{ticketId}/suggested-articles', 'get'>;
type SearchHits = Answer<'/kb/search', 'get'>;
type Written = Answer<'/kb/articles', 'post'>;

/** The knowledge base's articles for a ticket (its model, its category, its problem's words), best first. */
export function useSuggestedArticles(ticketId: string) {
  return useQuery({
    queryKey: ['suggested-articles', ticketId],
    queryFn: async () => must(await api.GET('/tickets/{ticketId}/suggested-articles', { params: { path: { ticketId }, query: { limit: 5 } } })),
  });
}

/** An article already on the device (a suggestion or a search hit carries all of it): readable offline. */
export function cachedArticle(queries: QueryClient, articleId: string): Article | undefined {
  for (const [, data] of queries.getQueriesData<Suggested>({ queryKey: ['suggested-articles'] })) {
    const found = data?.suggestions.find((s) => s.article.articleId === articleId);
    if (found) return { ...found.article, retired: false };
  }
  for (const [, data] of queries.getQueriesData<SearchHits>({ queryKey: ['kb', 'search'] })) {
    const found = data?.hits.find((h) => h.article.articleId === articleId);
    if (found) return found.article;
  }
  return undefined;
}

const MATCHED: Record<string, string> = { model: 'same model', category: 'same kind', words: 'similar problem' };

/** What the knowledge base knows about this kind of trouble, on the visit's page. */
export function SuggestedArticles({ ticketId }: { ticketId: string }) {
  const suggested = useSuggestedArticles(ticketId);
  return (
    <Card withBorder component="section" aria-labelledby="suggested-title">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h5" id="suggested-title">
            From the knowledge base
          </Title>
          <Anchor component={Link} to="/field/kb" size="sm">
            Search
          </Anchor>
        </Group>
        {suggested.isPending && suggested.fetchStatus === 'paused' && (
          <Text size="sm" c="gray.7">
            Articles show when you are back online.
          </Text>
        )}
        {suggested.isPending && suggested.fetchStatus !== 'paused' && <Loader size="sm" aria-label="Loading articles" />}
        {suggested.error && !suggested.data && <ProblemAlert error={suggested.error} title="Could not load the articles" />}
        {suggested.data?.suggestions.length === 0 && (
          <Text size="sm" c="gray.7">
            No article about this appliance or problem yet. Once you have fixed it, add what you did.
          </Text>
        )}
        {suggested.data?.suggestions.map(({ article, matchedOn }) => (
          <Stack key={article.articleId} gap={0} data-testid="suggested-article">
            <Anchor component={Link} to={`/field/kb/${article.articleId}`} fw={500}>
              {article.title}
            </Anchor>
            <Text size="sm" lineClamp={2}>
              {article.problem}
            </Text>
            <Text size="xs" c="gray.7">
              {matchedOn.map((m) => MATCHED[m] ?? m).join(' · ')} · {article.helpful} found it helpful
            </Text>
          </Stack>
        ))}
      </Stack>
    </Card>
  );
}

/** "Add what I did": a knowledge-base article about the visit's trouble, linked to its ticket. */
export function AddArticle({ visit, fix: fixSoFar }: { visit: Visit; fix: string }) {
  const suggested = useSuggestedArticles(visit.ticketId);
  const basis = suggested.data?.basis;
  const subjects = useMemo(() => {
    const categories = [...new Set([basis?.category, ...visit.skills].filter((c): c is string => !!c))];
    return [
      ...(basis?.applianceModelId ? [{ value: 'model', label: `This appliance model${basis.category ? ` (${basis.category})` : ''}` }] : []),
      ...categories.map((c) => ({ value: `category:${c}`, label: `Any ${c}` })),
    ];
  }, [basis, visit.skills]);
  const [subject, setSubject] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [problem, setProblem] = useState(visit.problem ?? '');
  const [fix, setFix] = useState<string | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [written, setWritten] = useState<{ articleId?: string } | null>(null);
  const write = useCommand({
    sent: 'Added to the knowledge base',
    onDone: (outcome) => setWritten(outcome.status === 'sent' ? { articleId: (outcome.data as Written).articleId } : {}),
  });
  const chosen = subject ?? subjects[0]?.value ?? null;
  const fixText = fix ?? fixSoFar;
  const ready = title.trim() && problem.trim() && fixText.trim() && chosen;

  if (written) {
    return (
      <Alert color="green" title="Thank you" data-testid="article-added">
        {written.articleId ? (
          <>
            Your article is in the knowledge base:{' '}
            <Anchor component={Link} to={`/field/kb/${written.articleId}`}>
              {title}
            </Anchor>
          </>
        ) : (
          'Your article is saved on this device and added when you are back online.'
        )}
      </Alert>
    );
  }
  const submit = () => {
    if (!ready) return;
    const about = chosen === 'model' && basis?.applianceModelId ? { applianceModelId: basis.applianceModelId, ...(basis.category ? { category: basis.category } : {}) } : { category: chosen.replace(/^category:/, '') };
    write.mutate({
      command: { kind: 'write-article', ticketId: visit.ticketId, body: { title: title.trim(), problem: problem.trim(), fix: fixText.trim(), tags, linkedTicketId: visit.ticketId, ...about } },
      label: `Knowledge-base article: ${title.trim()}`,
    });
  };
  return (
    <Card withBorder component="section" aria-labelledby="add-article-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="sm">
          <Title order={2} size="h5" id="add-article-title">
            Add what you did to the knowledge base
          </Title>
          <Text size="sm" c="gray.7">
            The next expert with this trouble finds it among the suggestions. It is linked to this ticket.
          </Text>
          <TextInput label="Title" required placeholder="e.g. Door seal leaks on spin" value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={200} />
          <Textarea label="The problem" required autosize minRows={2} value={problem} onChange={(e) => setProblem(e.currentTarget.value)} />
          <Textarea label="What fixed it" required autosize minRows={3} value={fixText} onChange={(e) => setFix(e.currentTarget.value)} />
          <Select label="About" data={subjects} value={chosen} onChange={setSubject} allowDeselect={false} />
          <TagsInput label="Tags" description="Press Enter after each" value={tags} onChange={setTags} maxTags={30} />
          <ProblemAlert error={write.error} title="Could not add the article" />
          <Button type="submit" disabled={!ready} loading={write.isPending}>
            Add the article
          </Button>
        </Stack>
      </form>
    </Card>
  );
}

/** An article's tags and votes, as a line. */
export function ArticleMeta({ article }: { article: Pick<Article, 'tags' | 'helpful' | 'notHelpful' | 'updatedAt'> }) {
  return (
    <Group gap={4}>
      {article.tags.map((t) => (
        <Badge key={t} variant="outline" color="gray.8" size="sm">
          {t}
        </Badge>
      ))}
      <Text size="xs" c="gray.7">
        {article.helpful} helpful · {article.notHelpful} not
      </Text>
    </Group>
  );
}
