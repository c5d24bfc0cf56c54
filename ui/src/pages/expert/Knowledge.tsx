import { Anchor, Button, Card, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, must } from '../../api/client';
import { when } from '../format';
import { ArticleMeta, cachedArticle } from './Articles';
import { ProblemAlert } from './ProblemAlert';

/** Searching the knowledge base: full text over titles, problems, fixes and tags. */
export function KnowledgeSearch() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const hits = useQuery({
    queryKey: ['kb', 'search', q],
    enabled: q.length > 0,
    queryFn: async () => must(await api.GET('/kb/search', { params: { query: { q, limit: 20 } } })),
  });
  return (
    <Stack>
      <Title order={1} size="h2">Knowledge base</Title>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) setParams({ q: text.trim() });
        }}
      >
        <Group align="flex-end" wrap="nowrap">
          <TextInput label="Search the knowledge base" placeholder="e.g. leaks during spin" value={text} onChange={(e) => setText(e.currentTarget.value)} style={{ flex: 1 }} />
          <Button type="submit">Search</Button>
        </Group>
      </form>
      {!q && (
        <Text size="sm" c="gray.7">
          Search by symptom, part or model. The visit page suggests the articles about its appliance.
        </Text>
      )}
      {q && hits.isPending && hits.fetchStatus === 'paused' && <Text c="gray.7">Searching needs a connection: try again when you are back online.</Text>}
      {q && hits.isPending && hits.fetchStatus !== 'paused' && <Loader aria-label="Searching" />}
      {hits.error && <ProblemAlert error={hits.error} title="Could not search" />}
      {hits.data?.hits.length === 0 && <Text c="gray.7">No article matches “{q}”.</Text>}
      {hits.data?.hits.map(({ article }) => (
        <Card key={article.articleId} withBorder data-testid="kb-hit">
          <Anchor component={Link} to={`/field/kb/${article.articleId}`} fw={500}>
            {article.title}
          </Anchor>
          <Text size="sm" lineClamp={2}>
            {article.problem}
          </Text>
          <ArticleMeta article={article} />
        </Card>
      ))}
    </Stack>
  );
}

/** One article: the problem and what fixed it. */
export function ArticlePage() {
  const { articleId = '' } = useParams();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const article = useQuery({
    queryKey: ['article', articleId],
    queryFn: async () => must(await api.GET('/kb/articles/{articleId}', { params: { path: { articleId } } })),
    initialData: () => cachedArticle(queries, articleId),
  });
  const back = (
    <Anchor component="button" type="button" size="sm" onClick={() => void navigate(-1)} style={{ alignSelf: 'flex-start' }}>
      ‹ Back
    </Anchor>
  );
  if (article.isPending) {
    return (
      <Stack>
        {back}
        {article.fetchStatus === 'paused' ? <Text c="gray.7">This article is not on this device: it opens when you are back online.</Text> : <Loader aria-label="Loading the article" />}
      </Stack>
    );
  }
  if (article.error && !article.data) {
    return (
      <Stack>
        {back}
        <ProblemAlert error={article.error} title="Could not load the article" />
      </Stack>
    );
  }
  const a = article.data;
  return (
    <Stack maw={720} component="article" aria-labelledby="article-title">
      {back}
      <Title order={1} size="h2" id="article-title">
        {a.title}
      </Title>
      <ArticleMeta article={a} />
      <section aria-labelledby="article-problem">
        <Title order={2} size="h5" id="article-problem">
          Problem
        </Title>
        <Text style={{ whiteSpace: 'pre-wrap' }}>{a.problem}</Text>
      </section>
      <section aria-labelledby="article-fix">
        <Title order={2} size="h5" id="article-fix">
          What fixed it
        </Title>
        <Text style={{ whiteSpace: 'pre-wrap' }} data-testid="article-fix">
          {a.fix}
        </Text>
      </section>
      <Text size="xs" c="gray.7">
        {a.category ? `About any ${a.category}` : 'About one appliance model'} · updated {when(a.updatedAt)}
        {a.retired ? ' · retired' : ''}
      </Text>
    </Stack>
  );
}
